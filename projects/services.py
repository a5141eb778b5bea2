"""Writes for projects, resources and decision days: one function per use case,
one transaction each, the acting user always passed."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.access import require
from core.errors import ConflictError as CoreConflictError
from core.errors import DomainError
from core.formats import amount as amount_text
from needs.models import Need
from needs.services.status import lock_needs, move_needs_with_project

from . import access, workflow
from .models import DecisionDay, ProgressUpdate, Project, ProjectEvent, ProjectResource, Resource


class ProjectError(DomainError):
    """A project write that cannot be done; the message is shown as is."""


class ConflictError(ProjectError, CoreConflictError):
    """The project changed first (another person, another tab): reload and retry."""


def _lock_project():
    """Projects to lock one row of: only the project's row, not its community's,
    so that work on one project does not queue behind work on its neighbours."""
    return Project.objects.select_for_update(of=("self",)).select_related("community")


def _save(obj, *, by, exclude=None):
    obj.full_clean(exclude=exclude)
    obj._history_user = by
    obj.save()


# --- resources ---------------------------------------------------------------------------------


RESOURCE_FIELDS = {
    "name", "category", "provider", "level", "town", "community", "capacity",
    "capacity_amount", "capacity_unit", "contact", "is_active",
}  # fmt: skip


@transaction.atomic
def resource_save(*, by, resource: Resource | None = None, **fields) -> Resource:
    """Create or change a resource at a place the user keeps."""
    unknown = set(fields) - RESOURCE_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if resource is not None:
        require(access.can_manage_resource(by, resource))
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
    else:
        resource = Resource()
    for name, value in fields.items():
        setattr(resource, name, value)
    # Keep only the place the level uses, so a stray value cannot widen it.
    if resource.level == Resource.Level.CITY:
        resource.town = resource.community = None
    elif resource.level == Resource.Level.TOWN:
        resource.community = None
    elif resource.level == Resource.Level.COMMUNITY:
        resource.town = None
    resource.full_clean()
    require(access.can_manage_resource(by, resource))
    resource._history_user = by
    resource.save()
    return resource


# --- decision days (planning only; recording the vote is the next step) ----------------------


@transaction.atomic
def decision_day_plan(*, by, community, date: date, place: str, kind: str) -> DecisionDay:
    require(access.can_plan_decision_days(by, community))
    if date < timezone.localdate():
        raise ValidationError({"date": _("A decision day is planned for today or later.")})
    day = DecisionDay(community=community, date=date, place=(place or "").strip(), kind=kind, created_by=by)
    _save(day, by=by)
    return day


# --- projects -----------------------------------------------------------------------------------


def _take_up_needs(community, needs, *, project=None) -> list[Need]:
    """Lock the needs a project takes up and check them: the community's own, still
    open, and not held by another active project.

    Two proposals taking up the same need at once: the row locks queue them, and
    the second, reading after the first committed, finds the need held and gets
    a conflict instead of a second project holding it.
    """
    needs = lock_needs(need_ids=sorted({n.pk for n in needs}))
    foreign = [n for n in needs if n.community_id != community.pk]
    if foreign:
        raise ValidationError(
            {
                "needs": _("These needs belong to another community: %(t)s.")
                % {"t": "、".join(n.title for n in foreign)}
            }
        )
    closed = [n for n in needs if n.status not in (Need.Status.OPEN, Need.Status.ESCALATED)]
    if closed:
        raise ValidationError(
            {"needs": _("These needs are no longer open: %(t)s.") % {"t": "、".join(n.title for n in closed)}}
        )
    held = (
        Need.objects.filter(pk__in=[n.pk for n in needs], projects__state__in=workflow.ACTIVE_STATES)
        .exclude(projects=project)
        .values_list("title", flat=True)
        .distinct()
    )
    if held:
        raise ConflictError(
            _("These needs are already taken up by another project: %(t)s.") % {"t": "、".join(held)}
        )
    return needs


def _check_resources(community, links, *, project=None) -> list[str]:
    """Resources must be usable by the community. Returns warnings (over capacity)."""
    seen = [link["resource"].pk for link in links]
    if len(seen) != len(set(seen)):
        raise ValidationError({"resources": _("Each resource is listed once per project.")})
    for link in links:
        amount = link.get("committed_amount")
        if amount is not None and not Decimal(amount).is_finite():
            raise ValidationError({"resources": _("A committed amount must be a number.")})
        # The field's own limits (digits, not negative), checked before anything is written.
        try:
            ProjectResource(
                resource=link["resource"], committed_amount=amount, role=link.get("role", "")
            ).full_clean(exclude=["project"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise ValidationError(
                {"resources": [f"{link['resource'].name}: {m}" for m in exc.messages]}
            ) from exc
    usable = set(access.usable_resources(community).values_list("pk", flat=True))
    outside = [link["resource"].name for link in links if link["resource"].pk not in usable]
    if outside:
        raise ValidationError(
            {
                "resources": _("These resources are not available to this community: %(r)s.")
                % {"r": "、".join(outside)}
            }
        )
    warnings = []
    committed = dict(
        ProjectResource.objects.filter(
            resource__in=[link["resource"] for link in links], project__state__in=workflow.ACTIVE_STATES
        )
        .exclude(project=project)
        .values_list("resource")
        .annotate(total=Sum("committed_amount"))
    )
    for link in links:
        resource, amount = link["resource"], link.get("committed_amount")
        if amount is not None and amount < 0:
            raise ValidationError({"resources": _("A committed amount cannot be negative.")})
        if resource.capacity_amount is not None and amount:
            left = resource.capacity_amount - (committed.get(resource.pk) or Decimal("0"))
            if amount > left:
                warnings.append(
                    _("%(r)s: %(a)s committed, only %(left)s %(unit)s left; check with the provider.")
                    % {
                        "r": resource.name,
                        "a": amount_text(amount),
                        "left": amount_text(max(left, Decimal("0"))),
                        "unit": resource.capacity_unit,
                    }
                )
    return warnings


PROJECT_FIELDS = {
    "title", "summary", "year", "planned_start", "planned_end", "beneficiaries", "budget_total",
    "budget_city", "budget_town", "budget_community", "budget_charity", "budget_co_building",
}  # fmt: skip


def _check_budget(project: Project):
    if project.budget_by_source > project.budget_total:
        raise ValidationError(
            {
                "budget_total": _("The sources add up to more than the total budget (%(s)s yuan).")
                % {"s": amount_text(project.budget_by_source)}
            }
        )


@transaction.atomic
def project_create(*, by, community, needs=(), resources=(), **fields) -> tuple[Project, list[str]]:
    """A community worker proposes a project (a draft). Returns it and any warnings."""
    require(access.can_create_projects(by, community))
    unknown = set(fields) - PROJECT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    warnings = _check_resources(community, list(resources))
    needs = _take_up_needs(community, needs)
    project = Project(community=community, proposer=by, **fields)
    _check_budget(project)
    _save(project, by=by)
    project.needs.set(needs)
    ProjectResource.objects.bulk_create([ProjectResource(project=project, **link) for link in resources])
    ProjectEvent.objects.create(
        project=project, action="create", from_state="", to_state=project.state, actor=by, at=timezone.now()
    )
    return project, warnings


@transaction.atomic
def project_update(
    *, project: Project, by, needs=None, resources=None, **fields
) -> tuple[Project, list[str]]:
    """Change a draft: its details, its needs and its resources."""
    locked = _lock_project().get(pk=project.pk)
    if not workflow.can_edit(by, locked):
        if workflow.WORKER not in workflow.roles_on(by, locked):
            raise PermissionDenied
        raise ConflictError(
            _("Only a draft can be edited; this project is “%(s)s”.") % {"s": locked.get_state_display()}
        )
    unknown = set(fields) - PROJECT_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(locked, name, value)
    _check_budget(locked)
    warnings = []
    if needs is not None:
        needs = _take_up_needs(locked.community, needs, project=locked)
    if resources is not None:
        warnings = _check_resources(locked.community, list(resources), project=locked)
    _save(locked, by=by)
    if needs is not None:
        locked.needs.set(needs)
    if resources is not None:
        locked.resource_links.all().delete()
        ProjectResource.objects.bulk_create([ProjectResource(project=locked, **link) for link in resources])
    return locked, warnings


def transition(
    *, project: Project, action: str, by, note: str = "", expected_state: str | None = None, **data
) -> Project:
    """Move a project one step along its path, in one transaction.

    Two people acting at once: the row lock queues them; the second finds the
    project no longer in a state the action starts from and gets a conflict.
    """
    step = workflow.TRANSITIONS.get(action)
    if step is None:
        raise ProjectError(_("Unknown action."))
    if workflow.DECISION_DAY in step.roles and not data.pop("by_decision_day", False):
        raise PermissionDenied(_("Approval, rejection and deferral come only from a decision day's vote."))
    if workflow.DECISION_DAY not in step.roles and not workflow.check_role(by, project, action):
        raise PermissionDenied
    # The caller acts on the state it saw; if the project has moved since, even to
    # another state the action starts from, the action is a conflict.
    expected_state = expected_state or project.state
    with transaction.atomic():
        locked = _lock_project().get(pk=project.pk)
        if locked.state not in step.sources or locked.state != expected_state:
            raise ConflictError(
                _("The project is now “%(s)s”: someone acted on it first. Reload the page.")
                % {"s": locked.get_state_display()}
            )
        note = (note or "").strip()
        _apply_step(locked, step, note=note, by=by, **data)
        from_state = locked.state
        locked.state = step.target
        _save(locked, by=by)
        event = ProjectEvent(
            project=locked,
            action=action,
            from_state=from_state,
            to_state=step.target,
            actor=by,
            at=timezone.now(),
            note=note,
        )
        event.full_clean()
        event.save()
        if step.needs_to:
            # The needs app owns need status; it locks the rows and moves them.
            move_needs_with_project(needs=locked.needs.all(), status=step.needs_to, by=by)
    return locked


def _apply_step(project: Project, step, *, note: str, by, **data):
    """Each action's own checks and the fields it sets."""
    if step.action == "return" and not note:
        raise ValidationError({"note": _("Say why the proposal goes back to the community.")})
    if step.action == "submit" and not project.needs.exists():
        raise ValidationError(
            {"needs": _("A project answers at least one need: link its needs before submitting.")}
        )
    if step.action == "schedule":
        day = data.get("decision_day")
        if day is None:
            raise ValidationError({"decision_day": _("Choose the decision day.")})
        if day.community_id != project.community_id:
            raise ValidationError({"decision_day": _("The decision day belongs to another community.")})
        if day.state != DecisionDay.State.PLANNED or day.date < timezone.localdate():
            raise ValidationError({"decision_day": _("Choose a decision day that is still to come.")})
        project.decision_day = day
    if step.action == "complete":
        outcome = (data.get("outcome") or "").strip()
        if not outcome:
            raise ValidationError({"outcome": _("Describe what the project achieved.")})
        project.outcome = outcome
    if step.action == "accept":
        satisfaction, verdict = data.get("satisfaction"), data.get("verdict")
        if satisfaction is None or not 1 <= int(satisfaction) <= 5:
            raise ValidationError({"satisfaction": _("Give the residents' satisfaction from 1 to 5.")})
        if verdict not in Project.Verdict.values:
            raise ValidationError({"verdict": _("Give the residents' verdict.")})
        project.satisfaction, project.verdict = int(satisfaction), verdict
        project.verdict_note = (data.get("verdict_note") or "").strip()
        project.is_excellent = bool(data.get("is_excellent", project.is_excellent))


@transaction.atomic
def progress_add(
    *, project: Project, by, date: date, text: str, percent: int, attachment=None
) -> ProgressUpdate:
    # Lock and re-read: a report sent from a page loaded before completion must not land.
    project = _lock_project().get(pk=project.pk)
    if not workflow.can_report_progress(by, project):
        if not workflow.roles_on(by, project) & {workflow.WORKER, workflow.TOWN_STAFF}:
            raise PermissionDenied
        raise ConflictError(_("Progress is reported while the project is in progress."))
    update = ProgressUpdate(
        project=project, date=date, text=(text or "").strip(), percent=percent, created_by=by
    )
    if attachment is not None:
        from .uploads import check_attachment

        check_attachment(attachment)
        update.attachment = attachment
    update.full_clean()
    update.save()
    return update
