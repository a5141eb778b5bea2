"""Pages of needs: the filtered list and its exports, a need's page, its
correction, and its status and escalation actions; the category taxonomy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import access as community_access
from communities.models import CommunityType
from core.downloads import CSV, XLSX, attachment
from core.forms import apply_validation_error, mark_invalid
from core.guards import refusal

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
    if request.htmx:
        # htmx swaps only successful answers; the table shows the filters' errors.
        return render(request, "needs/_table.html", context)
    return render(request, "needs/list.html", context, status=400 if filterset.errors else 200)


@login_required
def need_export(request, fmt):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    filterset, rows = _filtered_needs(request)
    if filterset.errors:
        return refusal(request, 400, " ".join(e for errors in filterset.errors.values() for e in errors))
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
        body, content_type = exporting.to_xlsx(headers, rows, title=_("Needs")), XLSX
    else:
        body, content_type = exporting.to_csv(headers, rows), CSV
    return attachment(
        body,
        filename=f"{_('Needs')}-{stamp}.{fmt}",
        fallback=f"needs-{stamp}.{fmt}",
        content_type=content_type,
    )


def _scoped_need(request, pk) -> Need:
    return get_object_or_404(queries.need_list(request.user).select_related("survey", "logged_by"), pk=pk)


@login_required
def need_detail(request, pk):
    return _detail_page(request, _scoped_need(request, pk))


def _detail_page(request, need, *, close_form=None, escalate_form=None, respond_to=None, status=200):
    """A need's page; after a refused action, with the form as it was sent and its
    errors beside the fields (status 400)."""
    user = request.user
    show_mobile = access.can_see_mobile(user, need)
    if show_mobile and need.mobile:
        # Shown again after a refused form too: every showing of the number is logged.
        services.record_mobile_views(user=user, needs=[need], context="page")
    history = need.history.select_related("history_user").order_by("-history_date", "-history_id")[:30]
    today = timezone.localdate()
    escalations = list(need.escalations.select_related("escalated_by", "recorded_by"))
    for escalation in escalations:
        if respond_to is not None and escalation.pk == respond_to.escalation_id:
            escalation.respond_form = respond_to
        else:
            escalation.respond_form = RespondForm(
                initial={"responded_on": today}, auto_id=f"id_respond_{escalation.pk}_%s"
            )
    departments = queries.escalation_departments(need.community.town_id)
    actions = access.need_actions(user, need)
    context = {
        "need": need,
        "show_mobile": show_mobile,
        "escalations": escalations,
        "history": history,
        "actions": actions,
        "can_manage": access.can_manage_need(user, need),
        "can_escalate": access.can_escalate(user, need),
        "can_manage_departments": access.can_manage_departments(user, need.community.town),
        "close_form": close_form or CloseForm(),
        "escalate_form": escalate_form or EscalateForm(),
        "departments": departments,
        "today": today,
    }
    return render(request, "needs/detail.html", context, status=status)


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
        status=400 if form.errors else 200,
    )


def _need_action(request, pk, action):
    need = _scoped_need(request, pk)
    try:
        action(need)
    except (services.NeedsError, ValidationError) as exc:
        _messages_from(request, exc)
    return redirect("needs:detail", pk=need.pk)


def _form_action(request, need, form, act, *, form_name):
    """Run ``act(cleaned_data)`` for a valid form. A refused form comes back on the
    need's page with what was typed and the errors beside each field (400); a
    conflict (the need changed meanwhile) is a message over the fresh page."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except services.ConflictError as exc:
            _messages_from(request, exc)
            return redirect("needs:detail", pk=need.pk)
        except (services.NeedsError, ValidationError) as exc:
            if isinstance(exc, ValidationError):
                apply_validation_error(form, exc)
            else:
                form.add_error(None, str(exc))
        else:
            return redirect("needs:detail", pk=need.pk)
    mark_invalid(form)
    return _detail_page(request, need, status=400, **{form_name: form})


@login_required
@require_POST
def need_close(request, pk):
    need = _scoped_need(request, pk)
    community_access.require(access.can_manage_need(request.user, need))

    def act(data):
        services.need_close(need=need, by=request.user, reason=data["reason"])
        messages.success(request, _("The need was closed."))

    return _form_action(request, need, CloseForm(request.POST), act, form_name="close_form")


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
    need = _scoped_need(request, pk)
    community_access.require(access.can_escalate(request.user, need))

    def act(data):
        services.need_escalate(need=need, by=request.user, **data)
        messages.success(request, _("The need was passed to %(d)s.") % {"d": data["department"]})

    return _form_action(request, need, EscalateForm(request.POST), act, form_name="escalate_form")


@login_required
@require_POST
def escalation_respond(request, pk):
    escalation = get_object_or_404(
        Escalation.objects.select_related("need__community"),
        pk=pk,
        need__in=access.visible_needs(request.user).values("id"),
    )
    community_access.require(access.can_escalate(request.user, escalation.need))
    need = _scoped_need(request, escalation.need_id)
    form = RespondForm(request.POST, auto_id=f"id_respond_{escalation.pk}_%s")
    form.escalation_id = escalation.pk

    def act(data):
        services.escalation_respond(escalation=escalation, by=request.user, **data)
        messages.success(request, _("The department's response was recorded."))

    return _form_action(request, need, form, act, form_name="respond_to")


@login_required
def category_list(request):
    visible = access.visible_needs(request.user).values("id")
    categories = (
        ProblemCategory.objects.prefetch_related("community_types")
        .annotate(need_count=Count("needs", filter=Q(needs__in=visible)))
        .order_by("order")
    )
    return render(request, "needs/categories.html", {"categories": categories, "domains": Domain.choices})
