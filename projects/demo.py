"""Demo resources, decision days and projects: from each community's pilot year to
this year, four or five projects a year answering its needs; past years' projects
carried out and accepted (a few rejected or withdrawn), this year's on their way."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from communities.models import Community, Town
from needs.models import Need

from .models import (
    CategoryAffinity,
    DecisionDay,
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectResource,
    Resource,
    ResourceCategory,
)

TZ = ZoneInfo("Asia/Shanghai")
S = Project.State

CITY_RESOURCES = [
    ("太仓市慈善总会“微心愿”基金", "charity", "500000", "元"),
    ("城市更新与老旧小区改造专项资金", "funds", "5000000", "元"),
    ("市社会组织孵化中心", "social_organisations", "30", "家机构"),
    ("市志愿者联合会“益起来”队伍", "volunteer_teams", "300", "名志愿者"),
    ("市级社区治理项目扶持资金", "funds", "2000000", "元"),
    ("太仓农商银行共建支持", "co_building_units", "300000", "元"),
]
TOWN_RESOURCES = [
    ("{town}社会工作服务站", "social_workers", "8", "名社工"),
    ("{town}党群服务中心活动场地", "spaces", "600", "平方米"),
]
COMMUNITY_RESOURCES = [
    ("{c}能人乡贤理事会", "capable_locals", "12", "人"),
    ("{c}党员先锋队", "party_members", "40", "名党员"),
]


def _at(day: date, hour=10) -> datetime:
    return datetime.combine(day, time(hour)).replace(tzinfo=TZ)


def seed_projects(*, users, stdout=None, today: date | None = None) -> None:
    rng = random.Random(20230815)
    today = today or timezone.localdate()
    admin, staff, worker = users["city_admin"], users["town_staff"], users["community_worker"]
    categories = {c.code: c for c in ResourceCategory.objects.all()}

    resources = [
        Resource(
            name=n,
            category=categories[c],
            level=Resource.Level.CITY,
            capacity=f"{a} {u}",
            capacity_amount=Decimal(a),
            capacity_unit=u,
        )
        for n, c, a, u in CITY_RESOURCES
    ]
    for town in Town.objects.order_by("code"):
        for n, c, a, u in TOWN_RESOURCES:
            resources.append(
                Resource(name=n.format(town=town.name), category=categories[c], level=Resource.Level.TOWN, town=town,
                         capacity=f"{a} {u}", capacity_amount=Decimal(a), capacity_unit=u)
            )  # fmt: skip
    for community in Community.objects.filter(model_year__isnull=False).order_by("code"):
        for n, c, a, u in COMMUNITY_RESOURCES:
            resources.append(
                Resource(name=n.format(c=community.name), category=categories[c], level=Resource.Level.COMMUNITY,
                         community=community, capacity=f"{a} {u}", capacity_amount=Decimal(a), capacity_unit=u)
            )  # fmt: skip
    bulk_create_with_history(resources, Resource, default_user=admin)
    resources = list(Resource.objects.select_related("category"))

    fit: dict[int, set[int]] = {}
    for problem_id, resource_category_id in CategoryAffinity.objects.filter(weight__gte=2).values_list(
        "problem_category_id", "resource_category_id"
    ):
        fit.setdefault(problem_id, set()).add(resource_category_id)

    staff_town = staff.memberships.get().town_id
    worker_community = worker.memberships.get().community_id
    communities = list(
        Community.objects.select_related("type").filter(pilot_year__isnull=False).order_by("code")
    )
    needs_by_community: dict[int, list[Need]] = {}
    for need in Need.objects.filter(status=Need.Status.OPEN).order_by("raised_on", "id"):
        needs_by_community.setdefault(need.community_id, []).append(need)

    days, projects, plans = [], [], []
    for community in communities:
        proposer = (
            worker
            if community.pk == worker_community
            else (staff if community.town_id == staff_town else admin)
        )
        reviewer = staff if community.town_id == staff_town else admin
        kind = (
            DecisionDay.Kind.RESIDENTS_REPRESENTATIVES
            if community.type.area == "urban"
            else DecisionDay.Kind.VILLAGERS_REPRESENTATIVES
        )
        available = needs_by_community.get(community.pk, [])
        for year in range(community.pilot_year, today.year + 1):
            current = year == today.year
            day_date = (
                date(year, 4, rng.randint(10, 28)) if not current else date(year, 3, rng.randint(10, 28))
            )
            day = DecisionDay(
                community=community, date=day_date, place=f"{community.name}党群服务中心", kind=kind,
                state=DecisionDay.State.FINALISED, created_by=reviewer,
            )  # fmt: skip
            days.append(day)
            upcoming = None  # this year's next decision day, for projects still waiting for the vote
            for i in range(rng.choice((4, 4, 5))):
                pool = [n for n in available if n.raised_on.year <= year]
                take = pool[: rng.randint(1, 2)]
                for n in take:
                    available.remove(n)
                state = _state_for(rng, current, i)
                project = Project(
                    community=community, year=year, title=_title(take, community, rng), summary=_summary(take),
                    proposer=proposer, planned_start=date(year, 5, 1), planned_end=date(year, 11, 30),
                    beneficiaries=rng.randint(50, 1500), state=state,
                )  # fmt: skip
                _budget(project, rng)
                if state == S.ACCEPTED:
                    project.outcome = "项目按计划完成，居民反映良好。"
                    project.satisfaction = rng.choice([4, 5, 5, 5, 3])
                    project.verdict = (
                        Project.Verdict.SATISFIED
                        if project.satisfaction >= 4
                        else Project.Verdict.BASICALLY_SATISFIED
                    )
                    project.is_excellent = rng.random() < 0.03
                elif state == S.COMPLETED:
                    project.outcome = "项目已完成，待居民监督评议。"
                projects.append(project)
                project_day = day
                if state == S.SCHEDULED:
                    if upcoming is None:
                        upcoming = DecisionDay(
                            community=community, date=today + timedelta(days=rng.randint(7, 25)),
                            place=f"{community.name}党群服务中心", kind=kind, state=DecisionDay.State.PLANNED,
                            created_by=reviewer,
                        )  # fmt: skip
                        days.append(upcoming)
                    project_day = upcoming
                plans.append((project, project_day, take, proposer, reviewer))

    bulk_create_with_history(days, DecisionDay, batch_size=1000, default_user=admin)
    for project, day, *_ in plans:
        project.decision_day = day if project.state not in (S.DRAFT, S.SUBMITTED, S.WITHDRAWN) else None
    bulk_create_with_history(projects, Project, batch_size=1000, default_user=admin)

    links, needs_links, events, updates, moved = [], [], [], [], []
    for project, day, take, proposer, reviewer in plans:
        for need in take:
            needs_links.append(Project.needs.through(project_id=project.pk, need_id=need.pk))
        wanted = set().union(*(fit.get(n.category_id, set()) for n in take)) if take else set()
        usable = [
            r for r in resources
            if r.category_id in wanted and (r.level == "city" or r.town_id == project.community.town_id or r.community_id == project.community_id)
        ]  # fmt: skip
        for resource in rng.sample(usable, min(len(usable), rng.randint(1, 2))):
            amount = None
            if resource.capacity_unit == "元":
                amount = Decimal(rng.randrange(5_000, 20_000, 500))
            links.append(
                ProjectResource(project=project, resource=resource, committed_amount=amount, role="项目支持")
            )
        events.extend(_events(project, day, proposer, reviewer, today))
        if project.state in (S.IN_PROGRESS, S.COMPLETED, S.ACCEPTED):
            updates.append(
                ProgressUpdate(project=project, date=min(date(project.year, 8, 15), today), text="施工/活动按计划推进。",
                               percent=100 if project.state != S.IN_PROGRESS else rng.choice([30, 50, 70]), created_by=proposer)
            )  # fmt: skip
        status = {S.ACCEPTED: Need.Status.RESOLVED, S.APPROVED: Need.Status.PLANNED, S.IN_PROGRESS: Need.Status.PLANNED, S.COMPLETED: Need.Status.PLANNED}.get(project.state)  # fmt: skip
        if status:
            for need in take:
                need.status = status
                moved.append(need)
    Project.needs.through.objects.bulk_create(needs_links, batch_size=2000)
    ProjectResource.objects.bulk_create(links, batch_size=2000)
    ProjectEvent.objects.bulk_create(events, batch_size=2000)
    ProgressUpdate.objects.bulk_create(updates, batch_size=2000)
    bulk_update_with_history(moved, Need, ["status"], batch_size=1000, default_user=admin)
    if stdout:
        stdout.write(
            f"  {len(resources)} resources, {len(projects)} projects, {len(days)} decision days, "
            f"{sum(1 for n in moved if n.status == Need.Status.RESOLVED)} needs resolved"
        )


def _state_for(rng, current: bool, index: int) -> str:
    if not current:
        roll = rng.random()
        return S.REJECTED if roll < 0.04 else S.WITHDRAWN if roll < 0.07 else S.ACCEPTED
    return rng.choice(
        [S.IN_PROGRESS, S.IN_PROGRESS, S.IN_PROGRESS, S.COMPLETED, S.COMPLETED, S.ACCEPTED, S.ACCEPTED, S.APPROVED,
         S.SCHEDULED, S.SUBMITTED, S.DRAFT]
    )  # fmt: skip


def _title(needs, community, rng) -> str:
    if needs:
        return f"{needs[0].category.name}项目" if rng.random() < 0.5 else f"“{needs[0].title}”解决行动"
    return f"{community.name}邻里互助行动"


def _summary(needs) -> str:
    if not needs:
        return "围绕社区治理目标开展的年度项目。"
    return "回应居民需求：" + "；".join(n.title for n in needs) + "。"


def _budget(project, rng):
    total = Decimal(rng.randrange(20_000, 300_000, 1_000))
    project.budget_total = total
    project.budget_city = (total * Decimal("0.4")).quantize(Decimal("1"))
    project.budget_town = (total * Decimal("0.3")).quantize(Decimal("1"))
    project.budget_community = (total * Decimal("0.2")).quantize(Decimal("1"))
    project.budget_co_building = total - project.budget_city - project.budget_town - project.budget_community


PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.WITHDRAWN: ["submit", "withdraw"],
    S.SCHEDULED: ["submit", "schedule"],
    S.REJECTED: ["submit", "schedule", "reject"],
    S.APPROVED: ["submit", "schedule", "approve"],
    S.IN_PROGRESS: ["submit", "schedule", "approve", "start"],
    S.COMPLETED: ["submit", "schedule", "approve", "start", "complete"],
    S.ACCEPTED: ["submit", "schedule", "approve", "start", "complete", "accept"],
}


def _events(project, day, proposer, reviewer, today):
    from .workflow import TRANSITIONS

    events = [
        ProjectEvent(
            project=project,
            action="create",
            from_state="",
            to_state=S.DRAFT,
            actor=proposer,
            at=_at(date(project.year, 2, 20)),
        )
    ]
    state = S.DRAFT
    when = {
        "submit": date(project.year, 3, 1), "withdraw": date(project.year, 3, 5), "schedule": date(project.year, 3, 8),
        "approve": day.date, "reject": day.date, "start": min(day.date + timedelta(days=14), date(project.year, 12, 1)),
        "complete": date(project.year, 10, 30), "accept": date(project.year, 11, 20),
    }  # fmt: skip
    actors = {"schedule": reviewer, "approve": reviewer, "reject": reviewer, "accept": reviewer}
    for action in PATHS[project.state]:
        target = TRANSITIONS[action].target
        at = min(when[action], today)
        note = "民主决策日表决" if action in ("approve", "reject") else ""
        events.append(
            ProjectEvent(
                project=project,
                action=action,
                from_state=state,
                to_state=target,
                actor=actors.get(action, proposer),
                at=_at(at),
                note=note,
            )
        )
        state = target
    return events
