"""Pages for projects, resources and the planning of decision days."""

import re
from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from communities import access as community_access
from communities.access import require
from communities.lookups import COMMUNITY
from communities.models import CommunityType
from core.forms import apply_validation_error
from core.inputs import parse_amount, parse_id
from needs.models import Need, ProblemCategory

from . import access, queries, services, workflow
from .filters import ProjectFilterSet, ResourceFilterSet
from .forms import (
    AcceptForm,
    CompleteForm,
    DecisionDayForm,
    ProgressForm,
    ProjectForm,
    ResourceForm,
    ReturnForm,
    ScheduleForm,
)
from .lookups import PROJECT
from .models import ProgressUpdate, Project, Resource, ResourceCategory

PAGE_SIZE = 30


def _flash(request, exc):
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


# --- projects ---------------------------------------------------------------------------------


@login_required
def project_list(request):
    base = queries.project_list(request.user)
    filterset = ProjectFilterSet(request.GET, queryset=base, request=request)
    rows = filterset.qs if filterset.is_valid() else Project.objects.none()
    by_state = queries.counts_by_state(rows)
    page = Paginator(rows.order_by("-year", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    state_query = query.copy()
    state_query.pop("state", None)
    context = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "state_query": state_query.urlencode(),
        "by_state": [(value, label, by_state.get(value, 0)) for value, label in Project.State.choices],
        "total": sum(by_state.values()),
        "towns": community_access.visible_towns(request.user),
        "types": CommunityType.objects.all(),
        "years": range(timezone.localdate().year, 2021, -1),
        "categories": ProblemCategory.objects.order_by("order", "code"),
        "can_create": access.can_propose_projects(request.user),
    }
    template = "projects/_table.html" if request.htmx else "projects/list.html"
    return render(request, template, context)


def _scoped_project(request, pk) -> Project:
    return get_object_or_404(
        queries.project_list(request.user).select_related("decision_day", "proposer"), pk=pk
    )


# The forms of the project page's steps, by action; each is shown again with its
# errors beside its fields when it fails.
STEP_FORMS = {"schedule": ScheduleForm, "return": ReturnForm, "complete": CompleteForm, "accept": AcceptForm}


def _step_form(action, project, data=None, initial=None):
    form_class = STEP_FORMS.get(action)
    if form_class is None:
        return None
    if form_class is ScheduleForm:
        return form_class(data, project=project, initial=initial)
    return form_class(data)


def _detail_page(request, project, *, bound=None, status=200):
    """The project page; ``bound`` holds a form that failed, shown with the input kept."""
    user = request.user
    bound = bound or {}
    events = list(project.events.select_related("actor"))
    updates = list(project.updates.select_related("created_by"))
    timeline = sorted(
        [("event", e.at, e) for e in events]
        + [("update", timezone.make_aware(datetime.combine(u.date, time(12))), u) for u in updates],
        key=lambda item: item[1],
    )
    actions = workflow.available_actions(user, project)
    # A day planned from this page comes back chosen (``?decision_day=<id>``).
    initial = {"decision_day": parse_id(request.GET.get("decision_day"))}
    step_forms = {
        t.action: bound[t.action] if t.action in bound else _step_form(t.action, project, initial=initial)
        for t in actions
    }
    context = {
        "project": project,
        "needs": project.needs.select_related("category"),
        "links": project.resource_links.select_related("resource__category", "resource__provider"),
        "timeline": timeline,
        "actions": actions,
        "can_edit": workflow.can_edit(user, project),
        "can_report": workflow.can_report_progress(user, project),
        "progress_form": bound["progress"]
        if "progress" in bound
        else ProgressForm(initial={"date": timezone.localdate()}),
        "schedule_form": step_forms.get("schedule"),
        "return_form": step_forms.get("return"),
        "complete_form": step_forms.get("complete"),
        "accept_form": step_forms.get("accept"),
        "can_plan_day": access.can_plan_decision_days(user, project.community),
    }
    return render(request, "projects/detail.html", context, status=status)


@login_required
def project_detail(request, pk):
    return _detail_page(request, _scoped_project(request, pk))


def _choices_for(community, project=None):
    """The needs a project of this community may answer, and the resources it may use."""
    needs = (
        Need.objects.filter(community=community, status__in=[Need.Status.OPEN, Need.Status.ESCALATED])
        .exclude(projects__state__in=workflow.ACTIVE_STATES)
        .select_related("category")
        .order_by("-raised_on")
    )
    if project is not None:
        needs = needs | project.needs.select_related("category")
    resources = (
        access.usable_resources(community)
        .select_related("category", "provider")
        .order_by("category__order", "name")
    )
    return needs.distinct(), resources


def _read_links(request, resources):
    """The resources ticked on the form, with their amounts and roles, and the
    amounts that are not numbers (by resource id, shown beside their boxes)."""
    chosen = set(request.POST.getlist("resources"))
    links, errors, amount_errors = [], [], {}
    for resource in resources:
        if str(resource.pk) not in chosen:
            continue
        raw = (request.POST.get(f"amount-{resource.pk}") or "").strip()
        amount = parse_amount(raw) if raw else None
        if raw and amount is None:
            amount_errors[resource.pk] = _("Write the amount as a number, e.g. 1,000,000.")
            continue
        links.append(
            {
                "resource": resource,
                "committed_amount": amount,
                "role": request.POST.get(f"role-{resource.pk}", "")[:200],
            }
        )
    unknown = chosen - {str(r.pk) for r in resources}
    if unknown:
        errors.append(_("Some resources are not available to this community."))
    return links, errors, amount_errors


def _project_form_page(request, *, community, project=None):
    form = ProjectForm(request.POST or None, instance=project, initial={"year": timezone.localdate().year})
    needs, resources = _choices_for(community, project)
    chosen_needs = {
        str(pk)
        for pk in (
            request.POST.getlist("needs")
            if request.method == "POST"
            else (project.needs.values_list("pk", flat=True) if project else [])
        )
    }
    current_links = {link.resource_id: link for link in project.resource_links.all()} if project else {}
    amount_errors = {}
    if request.method == "POST" and form.is_valid():
        links, link_errors, amount_errors = _read_links(request, resources)
        picked = [n for n in needs if str(n.pk) in chosen_needs]
        if set(request.POST.getlist("needs")) - {str(n.pk) for n in needs}:
            link_errors.append(_("Some needs are not open needs of this community."))
        if link_errors or amount_errors:
            for e in link_errors:
                form.add_error(None, e)
        else:
            fields = {name: form.cleaned_data[name] for name in ProjectForm.Meta.fields}
            try:
                if project is None:
                    saved, warnings = services.project_create(
                        by=request.user, community=community, needs=picked, resources=links, **fields
                    )
                else:
                    saved, warnings = services.project_update(
                        project=project, by=request.user, needs=picked, resources=links, **fields
                    )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except services.ProjectError as exc:
                form.add_error(None, str(exc))
            else:
                for warning in warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Project saved as a draft."))
                return redirect("projects:detail", pk=saved.pk)
    resources = list(resources)
    for r in resources:
        # What the form shows beside each resource: what was typed, else what is saved.
        link = current_links.get(r.pk)
        saved_amount = (
            "" if link is None or link.committed_amount is None else f"{link.committed_amount.normalize():f}"
        )
        r.form_amount = request.POST.get(f"amount-{r.pk}", saved_amount)
        r.form_role = request.POST.get(f"role-{r.pk}", link.role if link else "")
        r.amount_error = amount_errors.get(r.pk)
    context = {
        "form": form,
        "project": project,
        "community": community,
        "needs": needs,
        "chosen_needs": chosen_needs,
        "resources": resources,
        "chosen_resources": set(request.POST.getlist("resources"))
        if request.method == "POST"
        else {str(pk) for pk in current_links},
    }
    return render(request, "projects/form.html", context, status=400 if request.method == "POST" else 200)


@login_required
def project_create(request):
    communities = access.proposing_communities(request.user).order_by("code")
    wanted = request.GET.get("community") or request.POST.get("community")
    # A community named in the address is the page's object: unknown or out of reach is 404.
    community = COMMUNITY.get_or_404(wanted, communities) if wanted else communities.first()
    require(community is not None)
    return _project_form_page(request, community=community)


@login_required
def project_edit(request, pk):
    project = _scoped_project(request, pk)
    if not workflow.can_edit(request.user, project):
        if workflow.WORKER not in workflow.roles_on(request.user, project):
            raise PermissionDenied
        messages.error(request, _("Only a draft can be edited."))
        return redirect("projects:detail", pk=project.pk)
    return _project_form_page(request, community=project.community, project=project)


@login_required
def project_matches(request):
    """Suggested resources for a community's needs, with the reasons (htmx panel)."""
    community = COMMUNITY.get_or_404(
        request.GET.get("community"), community_access.visible_communities(request.user)
    )
    # Ticked boxes: ids that are not the community's needs simply count for nothing.
    ids = {pk for pk in map(parse_id, request.GET.getlist("needs")) if pk is not None}
    needs = list(Need.objects.filter(community=community, pk__in=ids).select_related("category"))
    project = None
    if request.GET.get("project"):
        project = PROJECT.get_or_404(
            request.GET["project"], access.visible_projects(request.user).filter(community=community)
        )
    matches = (
        queries.match_resources(community=community, needs=needs, exclude_project=project) if needs else []
    )
    return render(request, "projects/_matches.html", {"matches": matches, "needs": needs})


@login_required
@require_POST
def project_transition(request, pk, action):
    project = _scoped_project(request, pk)
    if action not in workflow.TRANSITIONS:
        raise Http404
    form = _step_form(action, project, request.POST)
    available = any(t.action == action for t in workflow.available_actions(request.user, project))
    if form is not None and available and not form.is_valid():
        return _detail_page(request, project, bound={action: form}, status=400)
    data = dict(form.cleaned_data) if form is not None and form.is_valid() else {}
    try:
        moved = services.transition(
            project=project,
            action=action,
            by=request.user,
            note=data.pop("note", ""),
            expected_state=request.POST.get("expected_state") or None,
            **data,
        )
    except ValidationError as exc:
        if form is None or not available:
            _flash(request, exc)
            return redirect("projects:detail", pk=project.pk)
        apply_validation_error(form, exc)
        return _detail_page(request, project, bound={action: form}, status=400)
    except services.ProjectError as exc:
        _flash(request, exc)
    else:
        messages.success(request, workflow.TRANSITIONS[action].done_message(moved))
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def progress_add(request, pk):
    project = _scoped_project(request, pk)
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.progress_add(
                project=project,
                by=request.user,
                date=form.cleaned_data["date"],
                text=form.cleaned_data["text"],
                percent=form.cleaned_data["percent"],
                attachment=form.cleaned_data.get("attachment"),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except services.ProjectError as exc:
            _flash(request, exc)
            return redirect("projects:detail", pk=project.pk)
        else:
            messages.success(request, _("Progress recorded."))
            return redirect("projects:detail", pk=project.pk)
    if not workflow.can_report_progress(request.user, project):
        # The form is not on the page for this user or this state: say why instead.
        require(bool(workflow.roles_on(request.user, project) & {workflow.WORKER, workflow.TOWN_STAFF}))
        messages.error(request, _("Progress is reported while the project is in progress."))
        return redirect("projects:detail", pk=project.pk)
    return _detail_page(request, project, bound={"progress": form}, status=400)


def _reader(request):
    """Who reads: the signed-in person, or an API client by its token (the API
    answers an attachment as this page's address, so its clients follow it)."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def update_attachment(request, pk):
    """An update's photo or document, for those who may read its project."""
    reader = _reader(request)
    if reader is None:
        return redirect_to_login(request.get_full_path())
    update = get_object_or_404(
        ProgressUpdate.objects.filter(project__in=access.visible_projects(reader).values("pk")), pk=pk
    )
    if not update.attachment:
        raise Http404
    return FileResponse(
        update.attachment.open("rb"), as_attachment=False, filename=update.attachment.name.rsplit("/", 1)[-1]
    )


# --- decision days (planning) -----------------------------------------------------------------


@login_required
def decision_day_list(request):
    days = (
        access.visible_decision_days(request.user)
        .select_related("community__town")
        .prefetch_related(
            Prefetch("projects", queryset=Project.objects.only("id", "title", "state", "decision_day_id"))
        )
        .order_by("-date", "-id")
    )
    page = Paginator(days, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/decision_days.html",
        {"page": page, "can_plan": access.can_plan_any_decision_day(request.user)},
    )


@login_required
def decision_day_create(request):
    require(access.can_plan_any_decision_day(request.user))
    communities = access.planning_communities(request.user)
    form = DecisionDayForm(
        request.POST or None, communities=communities, initial={"community": request.GET.get("community")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            day = services.decision_day_plan(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Decision day planned for %(d)s.") % {"d": date_format(day.date, "DATE_FORMAT")}
            )
            back = request.GET.get("next")
            if back and re.fullmatch(r"/projects/[0-9]+/", back):
                # Back on the project, the new day is the one offered.
                return redirect(f"{back}?decision_day={day.pk}")
            return redirect("projects:decision_days")
    return render(
        request, "projects/decision_day_form.html", {"form": form}, status=400 if form.is_bound else 200
    )


# --- resources --------------------------------------------------------------------------------


@login_required
def resource_list(request):
    base = access.visible_resources(request.user).select_related("category", "provider", "town", "community")
    filterset = ResourceFilterSet(request.GET, queryset=base, request=request)
    rows = filterset.qs if filterset.is_valid() else Resource.objects.none()
    page = Paginator(rows.order_by("category__order", "name"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "categories": ResourceCategory.objects.all(),
        "levels": Resource.Level.choices,
        "can_create": access.can_keep_resources(request.user),
        "manageable": {r.pk for r in page if access.can_manage_resource(request.user, r)},
    }
    return render(request, "projects/resources.html", context)


def _resource_form(request, resource=None):
    require(access.can_keep_resources(request.user))
    communities = community_access.visible_communities(request.user, include_archived=False)
    form = ResourceForm(request.POST or None, instance=resource, user=request.user, communities=communities)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data.get(name) for name in ResourceForm.Meta.fields}
        try:
            services.resource_save(by=request.user, resource=resource, **fields)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Resource saved."))
            return redirect("projects:resources")
    return render(
        request,
        "projects/resource_form.html",
        {"form": form, "resource": resource},
        status=400 if form.is_bound else 200,
    )


@login_required
def resource_create(request):
    return _resource_form(request)


@login_required
def resource_edit(request, pk):
    resource = get_object_or_404(access.visible_resources(request.user), pk=pk)
    require(access.can_manage_resource(request.user, resource))
    return _resource_form(request, resource)


@login_required
def community_panel(request, pk):
    """The community page's resource list (beside its needs list) and its projects."""
    community = get_object_or_404(community_access.visible_communities(request.user), pk=pk)
    resources = (
        access.usable_resources(community)
        .select_related("category")
        .order_by("level", "category__order", "name")
    )
    projects = (
        Project.objects.filter(community=community)
        .order_by("-year", "-id")
        .only("id", "title", "state", "year")[:10]
    )
    context = {
        "community": community,
        "resources": resources,
        "projects": projects,
        "can_create": access.can_create_projects(request.user, community),
    }
    return render(request, "projects/_community_panel.html", context)
