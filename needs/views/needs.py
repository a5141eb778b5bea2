"""Pages of needs: the filtered list and its exports, a need's page, its
correction, and its status and escalation actions; the category taxonomy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import access as community_access
from communities.models import CommunityType
from core.forms import apply_validation_error

from .. import access, exporting, queries, services
from ..filters import NeedFilterSet
from ..forms import CloseForm, EscalateForm, NeedForm, RespondForm
from ..models import Domain, Escalation, Need, ProblemCategory

PAGE_SIZE = 30
EXPORT_LIMIT = 50_000


def _messages_from(request, exc):
    text = " ".join(getattr(exc, "messages", None) or [str(exc)])
    messages.error(request, text)


# --- needs list ------------------------------------------------------------------------------


def _filtered_needs(request):
    filterset = NeedFilterSet(request.GET, queryset=queries.need_list(request.user), request=request)
    rows = filterset.qs if filterset.is_valid() else Need.objects.none()
    return filterset, rows


@login_required
def need_list(request):
    filterset, rows = _filtered_needs(request)
    page = Paginator(rows.order_by("-raised_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "towns": community_access.visible_towns(request.user),
        "types": CommunityType.objects.all(),
        "domains": Domain.choices,
        "categories": queries.active_categories(),
        "statuses": Need.Status.choices,
        "years": range(timezone.localdate().year, 2021, -1),
        "can_import": access.can_import(request.user),
    }
    template = "needs/_table.html" if request.htmx else "needs/list.html"
    return render(request, template, context)


@login_required
def need_export(request, fmt):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    _filterset, rows = _filtered_needs(request)
    needs = list(rows.order_by("-raised_on", "-id")[: EXPORT_LIMIT + 1])
    if len(needs) > EXPORT_LIMIT:
        messages.error(
            request,
            _("More than %(n)s needs match; narrow the filters before exporting.") % {"n": EXPORT_LIMIT},
        )
        return redirect(reverse("needs:list") + "?" + request.GET.urlencode())
    visible = access.mobile_visible_for(request.user)
    services.record_mobile_views(user=request.user, needs=[n for n in needs if visible(n)], context="export")
    headers = exporting.need_headers()
    rows = exporting.need_rows(needs, mobile_visible=visible)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        body = exporting.to_xlsx(headers, rows, title=_("Needs"))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exporting.to_csv(headers, rows)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="needs-{stamp}.{fmt}"'
    return response


def _scoped_need(request, pk) -> Need:
    return get_object_or_404(queries.need_list(request.user).select_related("survey", "logged_by"), pk=pk)


@login_required
def need_detail(request, pk):
    need = _scoped_need(request, pk)
    user = request.user
    show_mobile = access.can_see_mobile(user, need)
    if show_mobile and need.mobile:
        services.record_mobile_views(user=user, needs=[need], context="page")
    history = need.history.select_related("history_user").order_by("-history_date", "-history_id")[:30]
    context = {
        "need": need,
        "show_mobile": show_mobile,
        "escalations": need.escalations.select_related("escalated_by", "recorded_by"),
        "history": history,
        "can_manage": access.can_manage_need(user, need),
        "can_escalate": access.can_escalate(user, need),
        "close_form": CloseForm(),
        "escalate_form": EscalateForm(),
        "respond_form": RespondForm(initial={"responded_on": timezone.localdate()}),
        "today": timezone.localdate(),
    }
    return render(request, "needs/detail.html", context)


@login_required
def need_edit(request, pk):
    need = _scoped_need(request, pk)
    community_access.require(access.can_manage_need(request.user, need))
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "GET" and need.mobile:
        # The form shows the full number: log the view as the need's page does.
        services.record_mobile_views(user=request.user, needs=[need], context="page")
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.need_update(need=Need.objects.get(pk=need.pk), by=request.user, **changes)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("needs:detail", pk=need.pk)
    return render(
        request,
        "needs/need_form.html",
        {"form": form, "need": need, "categories": queries.active_categories()},
    )


def _need_action(request, pk, action):
    need = _scoped_need(request, pk)
    try:
        action(need)
    except (services.NeedsError, ValidationError) as exc:
        _messages_from(request, exc)
    return redirect("needs:detail", pk=need.pk)


@login_required
@require_POST
def need_close(request, pk):
    form = CloseForm(request.POST)

    def act(need):
        community_access.require(access.can_manage_need(request.user, need))
        services.need_close(need=need, by=request.user, reason=form.data.get("reason", ""))
        messages.success(request, _("The need was closed."))

    return _need_action(request, pk, act)


@login_required
@require_POST
def need_reopen(request, pk):
    def act(need):
        community_access.require(access.can_manage_need(request.user, need))
        services.need_reopen(need=need, by=request.user)
        messages.success(request, _("The need is open again."))

    return _need_action(request, pk, act)


@login_required
@require_POST
def need_resolve(request, pk):
    def act(need):
        community_access.require(access.can_escalate(request.user, need))
        services.need_resolve(need=need, by=request.user)
        messages.success(request, _("The need is marked resolved."))

    return _need_action(request, pk, act)


@login_required
@require_POST
def need_escalate(request, pk):
    form = EscalateForm(request.POST)

    def act(need):
        community_access.require(access.can_escalate(request.user, need))
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.need_escalate(need=need, by=request.user, **form.cleaned_data)
        messages.success(request, _("The need was passed to %(d)s.") % {"d": form.cleaned_data["department"]})

    return _need_action(request, pk, act)


@login_required
@require_POST
def escalation_respond(request, pk):
    escalation = get_object_or_404(
        Escalation.objects.select_related("need__community"),
        pk=pk,
        need__in=access.visible_needs(request.user).values("id"),
    )
    community_access.require(access.can_escalate(request.user, escalation.need))
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            services.escalation_respond(escalation=escalation, by=request.user, **form.cleaned_data)
        except (services.NeedsError, ValidationError) as exc:
            _messages_from(request, exc)
        else:
            messages.success(request, _("The department's response was recorded."))
    return redirect("needs:detail", pk=escalation.need_id)


@login_required
def category_list(request):
    visible = access.visible_needs(request.user).values("id")
    categories = (
        ProblemCategory.objects.prefetch_related("community_types")
        .annotate(need_count=Count("needs", filter=Q(needs__in=visible)))
        .order_by("order")
    )
    return render(request, "needs/categories.html", {"categories": categories, "domains": Domain.choices})
