"""Pages for needs: surveys with fast entry, the needs list and its exports,
a need's page, spreadsheet import, and the per-type needs lists."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import access as community_access
from communities.forms import apply_validation_error
from communities.models import CommunityType
from communities.queries import types_with_counts

from . import access, exporting, importing, queries, services
from .filters import NeedFilterSet
from .forms import (
    CloseForm,
    CompileForm,
    EscalateForm,
    ImportForm,
    NeedEntryForm,
    NeedForm,
    RespondForm,
    SurveyForm,
)
from .models import Domain, Escalation, ImportJob, Need, NeedsList, NeedSurvey, ProblemCategory

PAGE_SIZE = 30
EXPORT_LIMIT = 50_000
# A background job that has not moved for this long has died with its process.
JOB_STALLED_AFTER = timedelta(minutes=2)


def _messages_from(request, exc):
    text = " ".join(getattr(exc, "messages", None) or [str(exc)])
    messages.error(request, text)


def _categories():
    return ProblemCategory.objects.filter(is_active=True).order_by("order")


# --- needs list ------------------------------------------------------------------------------


def _filtered_needs(request):
    filterset = NeedFilterSet(request.GET, queryset=queries.need_list(request.user))
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
        "categories": _categories(),
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
    return render(request, "needs/need_form.html", {"form": form, "need": need, "categories": _categories()})


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


# --- surveys and fast entry -------------------------------------------------------------------


@login_required
def survey_list(request):
    surveys = (
        access.visible_surveys(request.user)
        .select_related("community__town", "conducted_by")
        .annotate(need_count=Count("needs"))
        .order_by("-date", "-id")
    )
    page = Paginator(surveys, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "needs/survey_list.html", {"page": page})


@login_required
def survey_create(request):
    initial = {"date": timezone.localdate(), "community": request.GET.get("community")}
    form = SurveyForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("needs:survey", pk=survey.pk)
    return render(request, "needs/survey_form.html", {"form": form})


def _scoped_survey(request, pk) -> NeedSurvey:
    return get_object_or_404(
        access.visible_surveys(request.user).select_related(
            "community__town", "community__type", "conducted_by"
        ),
        pk=pk,
    )


@login_required
def survey_detail(request, pk):
    survey = _scoped_survey(request, pk)
    needs = survey.needs.select_related("category").order_by("id")
    context = {
        "survey": survey,
        "needs": needs,
        "show_names": access.can_see_mobile_of(request.user, survey.community),
        "form": NeedEntryForm(),
        "categories": _categories(),
        "can_log": access.can_log_needs(request.user, survey.community),
    }
    return render(request, "needs/survey_detail.html", context)


@login_required
@require_POST
def survey_add_need(request, pk):
    """One row of fast entry: saved (a new table row and a fresh form) or refused (the form with errors)."""
    survey = _scoped_survey(request, pk)
    community_access.require(access.can_log_needs(request.user, survey.community))
    form = NeedEntryForm(request.POST)
    need = None
    if form.is_valid():
        try:
            need = services.need_create(
                by=request.user, community=survey.community, survey=survey, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
    context = {
        "survey": survey,
        "form": NeedEntryForm() if need else form,
        "need": need,
        "categories": _categories(),
        "show_names": True,  # only those who may log needs here get this far
    }
    if not request.htmx:
        if need:
            messages.success(request, _("Need “%(t)s” saved.") % {"t": need.title})
            return redirect("needs:survey", pk=survey.pk)
        context["needs"] = survey.needs.select_related("category").order_by("id")
        context["can_log"] = True
        return render(request, "needs/survey_detail.html", context, status=400)
    if need:
        return render(request, "needs/_entry_result.html", context)
    # htmx swaps only successful answers: send the form with its errors back in
    # place of the entry form instead of appending it to the table.
    response = render(request, "needs/_entry_form.html", context)
    response["HX-Retarget"] = "#entry-form"
    response["HX-Reswap"] = "outerHTML"
    return response


# --- import ------------------------------------------------------------------------------------


@login_required
def import_upload(request):
    """Upload a file; it is checked (in the background when large) before anything is written."""
    community_access.require(access.can_import(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job, estimated_rows = services.import_job_start(file=upload, file_name=upload.name, by=request.user)
        if estimated_rows > services.BACKGROUND_ROWS:
            services.run_in_background(services.run_import_check, job.pk)
        else:
            services.run_import_check(job.pk)
        return redirect("needs:import_job", pk=job.pk)
    return render(request, "needs/import.html", {"form": form}, status=400 if form.errors else 200)


def _own_job(request, pk) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("need_import"), pk=pk, user=request.user)


@login_required
def import_job(request, pk):
    """A job's state: progress while it runs (the page polls), then its outcome."""
    job = _own_job(request, pk)
    stalled = job.is_running and job.updated_at < timezone.now() - JOB_STALLED_AFTER
    context = {"job": job, "stalled": stalled, "form": ImportForm()}
    template = "needs/_import_job.html" if request.htmx else "needs/import_job.html"
    return render(request, template, context)


@login_required
@require_POST
def import_job_confirm(request, pk):
    job = _own_job(request, pk)
    try:
        job = services.import_job_confirm(job=job, by=request.user)
    except services.NeedsError as exc:
        messages.error(request, str(exc))
        return redirect("needs:import_job", pk=job.pk)
    if job.rows_ok > services.BACKGROUND_ROWS:
        services.run_in_background(services.run_import_commit, job.pk)
    else:
        services.run_import_commit(job.pk)
    return redirect("needs:import_job", pk=job.pk)


@login_required
def import_template(request):
    headers, examples = importing.template_rows()
    body = exporting.to_xlsx(headers, examples, title=_("Needs"))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="needs-import-template.xlsx"'
    return response


# --- needs lists (需求清单) ------------------------------------------------------------------------


@login_required
def needs_list_index(request):
    lists = (
        access.visible_needs_lists(request.user)
        .select_related("community_type", "compiled_by", "published_by")
        .annotate(item_count=Count("items"))
    )
    year = request.GET.get("year")
    if year and year.isdigit():
        lists = lists.filter(year=int(year))
    context = {
        "lists": lists.order_by("-year", "community_type__order", "-version"),
        "can_manage": access.can_manage_needs_lists(request.user),
        "compile_form": CompileForm(initial={"year": timezone.localdate().year}),
        "types": types_with_counts(request.user),
    }
    return render(request, "needs/needs_lists.html", context)


@login_required
@require_POST
def needs_list_compile(request):
    community_access.require(access.can_manage_needs_lists(request.user))
    form = CompileForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("needs:lists")
    needs_list = services.needs_list_compile(by=request.user, **form.cleaned_data)
    messages.success(request, _("Draft compiled: %(n)s shared problems.") % {"n": needs_list.items.count()})
    return redirect("needs:list_detail", pk=needs_list.pk)


def _scoped_needs_list(request, pk) -> NeedsList:
    return get_object_or_404(
        access.visible_needs_lists(request.user).select_related(
            "community_type", "compiled_by", "published_by"
        ),
        pk=pk,
    )


def _items(needs_list):
    return needs_list.items.select_related("category").order_by("position")


@login_required
def needs_list_detail(request, pk):
    needs_list = _scoped_needs_list(request, pk)
    can_edit = access.can_manage_needs_lists(request.user) and not needs_list.is_published
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        item_notes = {
            key.removeprefix("note-"): value for key, value in request.POST.items() if key.startswith("note-")
        }
        order = request.POST.getlist("order") or None
        try:
            services.needs_list_edit(
                needs_list=needs_list,
                by=request.user,
                note=request.POST.get("list_note"),
                order=order,
                item_notes=item_notes,
            )
        except services.NeedsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Draft saved."))
        return redirect("needs:list_detail", pk=needs_list.pk)
    context = {"needs_list": needs_list, "items": _items(needs_list), "can_edit": can_edit}
    template = "needs/needs_list_print.html" if request.GET.get("print") else "needs/needs_list_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def needs_list_publish(request, pk):
    needs_list = _scoped_needs_list(request, pk)
    community_access.require(access.can_manage_needs_lists(request.user))
    try:
        services.needs_list_publish(needs_list=needs_list, by=request.user)
    except services.NeedsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The needs list is published and frozen."))
    return redirect("needs:list_detail", pk=needs_list.pk)


@login_required
def needs_list_export(request, pk):
    needs_list = _scoped_needs_list(request, pk)
    headers = [
        _("Rank"),
        _("Category"),
        _("Domain"),
        _("Communities"),
        _("Needs"),
        _("Open"),
        _("Urgent"),
        _("Note"),
    ]
    rows = [
        [
            i.position,
            i.category.label,
            i.category.get_domain_display(),
            i.community_count,
            i.need_count,
            i.open_count,
            i.urgent_count,
            i.note,
        ]
        for i in _items(needs_list)
    ]
    body = exporting.to_xlsx(headers, rows, title=f"{needs_list.community_type.name}{needs_list.year}")
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="needs-list-{needs_list.community_type.code}-{needs_list.year}-v{needs_list.version}.xlsx"'
    )
    return response


@login_required
def community_panel(request, pk):
    """The community page's two lists: its type's current needs list with the
    community's own counts beside each item (loaded into the community page)."""
    community = get_object_or_404(
        community_access.visible_communities(request.user).select_related("type"), pk=pk
    )
    needs_list = queries.current_needs_list(community.type)
    own = {}
    items = []
    if needs_list:
        own = queries.community_counts_by_category(community=community, year=needs_list.year)
        items = [(item, own.get(item.category_id, {})) for item in _items(needs_list)]
    recent = queries.need_list(request.user).filter(community=community).order_by("-raised_on", "-id")[:8]
    context = {
        "community": community,
        "needs_list": needs_list,
        "items": items,
        "recent": recent,
        "open_count": community.needs.filter(status__in=[Need.Status.OPEN, Need.Status.ESCALATED]).count(),
        "can_log": access.can_log_needs(request.user, community),
    }
    return render(request, "needs/_community_panel.html", context)


@login_required
def category_list(request):
    visible = access.visible_needs(request.user).values("id")
    categories = (
        ProblemCategory.objects.prefetch_related("community_types")
        .annotate(need_count=Count("needs", filter=Q(needs__in=visible)))
        .order_by("order")
    )
    return render(request, "needs/categories.html", {"categories": categories, "domains": Domain.choices})
