"""Projects, needs, resources and decision days written straight to the database,
to reach states (approved, in progress, completed …) that a decision day's vote
would normally lead to."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from needs.models import Need, ProblemCategory
from projects.models import DecisionDay, Project, ProjectResource, Resource, ResourceCategory

S = Project.State

# The status a project's needs have while it is in each state, as the workflow leaves them.
NEED_STATUS_IN = {
    S.DRAFT: Need.Status.OPEN,
    S.SUBMITTED: Need.Status.OPEN,
    S.SCHEDULED: Need.Status.OPEN,
    S.DEFERRED: Need.Status.OPEN,
    S.REJECTED: Need.Status.OPEN,
    S.WITHDRAWN: Need.Status.OPEN,
    S.APPROVED: Need.Status.PLANNED,
    S.IN_PROGRESS: Need.Status.PLANNED,
    S.COMPLETED: Need.Status.PLANNED,
    S.ACCEPTED: Need.Status.RESOLVED,
}


def need_in(community, *, by, title="路灯不亮", category="street_lighting", status=Need.Status.OPEN) -> Need:
    """A need of the community, logged by ``by``, in the given status."""
    return Need.objects.create(
        community=community,
        title=title,
        category=ProblemCategory.objects.get(code=category),
        raised_on=date(2024, 3, 5),
        status=status,
        close_reason="居民已自行解决" if status == Need.Status.CLOSED else "",
        logged_by=by,
    )


def decision_day_of(community, *, by, days_ahead=14, state=DecisionDay.State.PLANNED) -> DecisionDay:
    """A decision day of the community, ``days_ahead`` days from today (negative: past)."""
    return DecisionDay.objects.create(
        community=community,
        date=timezone.localdate() + timedelta(days=days_ahead),
        place="社区党群服务中心",
        kind=DecisionDay.Kind.RESIDENTS_REPRESENTATIVES,
        state=state,
        created_by=by,
    )


def resource(name, *, category="funds", level=Resource.Level.CITY, town=None, community=None, **fields):
    """A resource of the given category (by code) at the given level and place."""
    return Resource.objects.create(
        name=name,
        category=ResourceCategory.objects.get(code=category),
        level=level,
        town=town,
        community=community,
        **fields,
    )


def project_in(state, *, community, by, needs=None, resources=None, title="加装路灯") -> Project:
    """A project of the community already in ``state``, proposed by ``by``.

    ``needs``: the needs it answers (default: one fresh need of the community, in
    the status the state leaves it in; ``[]`` for none). ``resources``: a mapping
    resource → committed amount.
    """
    if needs is None:
        needs = [need_in(community, by=by, title=f"{title}的需求", status=NEED_STATUS_IN[state])]
    project = Project.objects.create(
        community=community,
        year=2025,
        title=title,
        summary="为小区主干道补装路灯",
        budget_total=Decimal("50000"),
        budget_city=Decimal("30000"),
        budget_community=Decimal("20000"),
        proposer=by,
        state=state,
        outcome="已完成路灯安装" if state in (S.COMPLETED, S.ACCEPTED) else "",
        satisfaction=5 if state == S.ACCEPTED else None,
        verdict=Project.Verdict.SATISFIED if state == S.ACCEPTED else "",
    )
    project.needs.set(needs)
    ProjectResource.objects.bulk_create(
        [
            ProjectResource(project=project, resource=r, committed_amount=amount)
            for r, amount in (resources or {}).items()
        ]
    )
    return project
