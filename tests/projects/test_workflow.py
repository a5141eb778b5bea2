"""The project's path (五事协商): who may take each step from which state, what the
steps check, what they do to the needs; proposing and editing projects, progress
reports and their attachments, and who keeps which resources."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from communities.models import Role
from needs.models import Need
from projects import services, workflow
from projects.models import DecisionDay, ProgressUpdate, Project, ProjectEvent, ProjectResource, Resource
from projects.uploads import MAX_ATTACHMENT_BYTES
from projects.workflow import CITY_ADMIN, DECISION_DAY, TOWN_STAFF, TRANSITIONS, WORKER
from tests.factories import user_with_role
from tests.projects.factories import decision_day_of, need_in, project_in, resource

S = Project.State

# Everyone who might press a button on a project of community a1 (town A), and the
# workflow role each of them holds on it.
ROLES_ON_A1 = {
    "city_admin": {CITY_ADMIN},
    "viewer": set(),
    "town_staff": {TOWN_STAFF},
    "community_worker": {WORKER},
    "other_town_staff": set(),  # staff of town B
    "other_worker": set(),  # the worker of a2, a1's neighbour in town A
}
DECISION_ACTIONS = [a for a, t in TRANSITIONS.items() if DECISION_DAY in t.roles]


@pytest.fixture
def people(world):
    """The world's users plus the staff of another town and the worker of another community."""
    return {
        **world.users,
        "other_town_staff": user_with_role(Role.TOWN_STAFF, town=world.town_b, username="staff_b"),
        "other_worker": user_with_role(Role.COMMUNITY_WORKER, community=world.a2, username="worker_a2"),
    }


@pytest.fixture
def worker(world):
    return world.users["community_worker"]


@pytest.fixture
def staff(world):
    return world.users["town_staff"]


def step_data(action, world):
    """What each action asks for besides the note."""
    if action == "schedule":
        return {"decision_day": decision_day_of(world.a1, by=world.users["town_staff"])}
    if action == "complete":
        return {"outcome": "新装路灯12盏，居民夜间出行安全"}
    if action == "accept":
        return {"satisfaction": 4, "verdict": Project.Verdict.BASICALLY_SATISFIED}
    return {}


def snapshot(project):
    """What a refused step must leave as it was."""
    project = Project.objects.get(pk=project.pk)
    return {
        "state": project.state,
        "decision_day": project.decision_day_id,
        "outcome": project.outcome,
        "satisfaction": project.satisfaction,
        "events": ProjectEvent.objects.filter(project=project).count(),
        "needs": sorted(project.needs.values_list("pk", "status")),
    }


# --- the table itself ---------------------------------------------------------------------------


def test_the_table_gives_each_step_to_the_people_the_path_names():
    assert {action: set(t.roles) for action, t in TRANSITIONS.items()} == {
        "submit": {WORKER},
        "withdraw": {WORKER},
        "resubmit": {WORKER},
        "start": {WORKER},
        "complete": {WORKER},
        "return": {TOWN_STAFF},
        "schedule": {TOWN_STAFF},
        "accept": {TOWN_STAFF, CITY_ADMIN},
        "approve": {DECISION_DAY},
        "reject": {DECISION_DAY},
        "defer": {DECISION_DAY},
    }


# --- the whole matrix: state × action × person ----------------------------------------------------


def expected_outcome(state, action, person):
    step = TRANSITIONS[action]
    if DECISION_DAY in step.roles or not step.roles & ROLES_ON_A1[person]:
        return PermissionDenied
    if state not in step.sources:
        return services.ConflictError
    return "moves"


@pytest.mark.parametrize("person", list(ROLES_ON_A1))
@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("state", list(S.values))
def test_each_step_moves_the_project_or_is_refused_without_a_trace(world, people, state, action, person):
    # given a project of a1 in this state, with a linked need
    project = project_in(state, community=world.a1, by=people["community_worker"])
    data = step_data(action, world)
    before = snapshot(project)
    user = people[person]
    expected = expected_outcome(state, action, person)

    if expected == "moves":
        # when the person takes the step
        moved = services.transition(project=project, action=action, by=user, note="镇村联审意见", **data)
        # then the project is in the step's target state, with one event saying so
        project.refresh_from_db()
        assert project.state == moved.state == TRANSITIONS[action].target
        events = ProjectEvent.objects.filter(project=project)
        assert events.count() == before["events"] + 1
        event = events.latest("id")
        assert (event.action, event.from_state, event.to_state, event.actor, event.note) == (
            action,
            state,
            TRANSITIONS[action].target,
            user,
            "镇村联审意见",
        )
        if action == "schedule":
            assert project.decision_day == data["decision_day"]
        if action == "complete":
            assert project.outcome == data["outcome"]
        if action == "accept":
            assert (project.satisfaction, project.verdict) == (4, Project.Verdict.BASICALLY_SATISFIED)
    else:
        # when the person tries it, then it is refused and nothing changed
        with pytest.raises(expected):
            services.transition(project=project, action=action, by=user, note="镇村联审意见", **data)
        assert snapshot(project) == before


@pytest.mark.parametrize("action", DECISION_ACTIONS)
@pytest.mark.parametrize("state", list(S.values))
def test_the_decision_days_vote_decides_only_a_scheduled_project(world, staff, state, action):
    project = project_in(state, community=world.a1, by=world.users["community_worker"])
    before = snapshot(project)
    if state == S.SCHEDULED:
        services.transition(project=project, action=action, by=staff, by_decision_day=True)
        project.refresh_from_db()
        assert project.state == TRANSITIONS[action].target
        event = ProjectEvent.objects.get(project=project)
        assert (event.action, event.from_state, event.to_state, event.actor) == (
            action,
            S.SCHEDULED,
            TRANSITIONS[action].target,
            staff,
        )
    else:
        with pytest.raises(services.ConflictError):
            services.transition(project=project, action=action, by=staff, by_decision_day=True)
        assert snapshot(project) == before


def test_a_step_taken_on_a_stale_page_is_a_conflict(world, worker):
    # given a page showing the project as a draft, while it was submitted meanwhile
    project = project_in(S.SUBMITTED, community=world.a1, by=worker)
    before = snapshot(project)
    # when the worker withdraws "the draft" (withdraw starts from submitted too)
    with pytest.raises(services.ConflictError):
        services.transition(project=project, action="withdraw", by=worker, expected_state=S.DRAFT)
    # then nothing happened
    assert snapshot(project) == before
    # and with the state the page really showed, it goes through
    services.transition(project=project, action="withdraw", by=worker, expected_state=S.SUBMITTED)
    project.refresh_from_db()
    assert project.state == S.WITHDRAWN


# --- the needs follow the project ---------------------------------------------------------------


def statuses(project):
    return set(Need.objects.filter(projects=project).values_list("status", flat=True))


def test_approval_plans_the_needs_and_records_who_recorded_the_vote(world, worker, staff):
    needs = [need_in(world.a1, by=worker, title=t) for t in ("路灯不亮", "道路积水")]
    project = project_in(S.SCHEDULED, community=world.a1, by=worker, needs=needs)
    services.transition(project=project, action="approve", by=staff, by_decision_day=True)
    assert statuses(project) == {Need.Status.PLANNED}
    for need in needs:
        record = need.history.latest()
        assert (record.status, record.history_user) == (Need.Status.PLANNED, staff)


@pytest.mark.parametrize("acceptor", ["town_staff", "city_admin"])
def test_acceptance_resolves_the_needs_and_records_who_accepted(world, worker, acceptor):
    by = world.users[acceptor]
    need = need_in(world.a1, by=worker, status=Need.Status.PLANNED)
    project = project_in(S.COMPLETED, community=world.a1, by=worker, needs=[need])
    services.transition(
        project=project, action="accept", by=by, satisfaction=5, verdict=Project.Verdict.SATISFIED
    )
    need.refresh_from_db()
    assert need.status == Need.Status.RESOLVED
    record = need.history.latest()
    assert (record.status, record.history_user) == (Need.Status.RESOLVED, by)


def test_the_whole_path_plans_then_resolves_the_needs(world, worker, staff):
    # given a draft proposed through the service, with one open need
    need = need_in(world.a1, by=worker)
    project, _ = services.project_create(
        by=worker, community=world.a1, needs=[need], title="加装路灯", summary="补装路灯", year=2025
    )
    day = decision_day_of(world.a1, by=staff)
    # when it goes all the way
    project = services.transition(project=project, action="submit", by=worker)
    project = services.transition(project=project, action="schedule", by=staff, decision_day=day)
    assert statuses(project) == {Need.Status.OPEN}
    project = services.transition(project=project, action="approve", by=staff, by_decision_day=True)
    assert statuses(project) == {Need.Status.PLANNED}
    project = services.transition(project=project, action="start", by=worker)
    project = services.transition(project=project, action="complete", by=worker, outcome="路灯已亮")
    project = services.transition(
        project=project, action="accept", by=staff, satisfaction=5, verdict="satisfied"
    )
    # then the need is resolved and every step left its event, in order
    assert statuses(project) == {Need.Status.RESOLVED}
    assert list(ProjectEvent.objects.filter(project=project).values_list("action", flat=True)) == [
        "create",
        "submit",
        "schedule",
        "approve",
        "start",
        "complete",
        "accept",
    ]


def test_rejection_leaves_the_needs_open_for_another_project(world, worker, staff):
    need = need_in(world.a1, by=worker)
    project = project_in(S.SCHEDULED, community=world.a1, by=worker, needs=[need])
    services.transition(project=project, action="reject", by=staff, by_decision_day=True)
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    again, _ = services.project_create(
        by=worker, community=world.a1, needs=[need], title="换个方案", summary="太阳能路灯", year=2025
    )
    assert list(again.needs.all()) == [need]


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED])
def test_withdrawing_gives_the_needs_back_open(world, worker, state):
    need = need_in(world.a1, by=worker)
    project = project_in(state, community=world.a1, by=worker, needs=[need])
    services.transition(project=project, action="withdraw", by=worker)
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    again, _ = services.project_create(
        by=worker, community=world.a1, needs=[need], title="重新提出", summary="分两期实施", year=2025
    )
    assert list(again.needs.all()) == [need]


# --- each step's own checks -----------------------------------------------------------------------


def test_a_project_without_needs_cannot_be_submitted(world, worker):
    project = project_in(S.DRAFT, community=world.a1, by=worker, needs=[])
    before = snapshot(project)
    with pytest.raises(ValidationError) as error:
        services.transition(project=project, action="submit", by=worker)
    assert "needs" in error.value.error_dict
    assert snapshot(project) == before


@pytest.mark.parametrize("note", ["", "   "])
def test_returning_a_proposal_needs_a_reason(world, staff, note):
    project = project_in(S.SUBMITTED, community=world.a1, by=world.users["community_worker"])
    before = snapshot(project)
    with pytest.raises(ValidationError) as error:
        services.transition(project=project, action="return", by=staff, note=note)
    assert "note" in error.value.error_dict
    assert snapshot(project) == before


@pytest.mark.parametrize("which", ["another community's", "a past", "a held", "none"])
def test_a_project_is_scheduled_only_on_a_coming_decision_day_of_its_community(world, staff, which):
    day = {
        "another community's": lambda: decision_day_of(world.a2, by=staff),
        "a past": lambda: decision_day_of(world.a1, by=staff, days_ahead=-1),
        "a held": lambda: decision_day_of(world.a1, by=staff, state=DecisionDay.State.HELD),
        "none": lambda: None,
    }[which]()
    project = project_in(S.SUBMITTED, community=world.a1, by=world.users["community_worker"])
    before = snapshot(project)
    with pytest.raises(ValidationError) as error:
        services.transition(project=project, action="schedule", by=staff, decision_day=day)
    assert "decision_day" in error.value.error_dict
    assert snapshot(project) == before


def test_a_decision_day_today_is_still_to_come(world, staff):
    day = decision_day_of(world.a1, by=staff, days_ahead=0)
    project = project_in(S.SUBMITTED, community=world.a1, by=world.users["community_worker"])
    services.transition(project=project, action="schedule", by=staff, decision_day=day)
    project.refresh_from_db()
    assert (project.state, project.decision_day) == (S.SCHEDULED, day)


@pytest.mark.parametrize("outcome", [None, "", "  "])
def test_completion_needs_an_outcome(world, worker, outcome):
    project = project_in(S.IN_PROGRESS, community=world.a1, by=worker)
    before = snapshot(project)
    with pytest.raises(ValidationError) as error:
        services.transition(project=project, action="complete", by=worker, outcome=outcome)
    assert "outcome" in error.value.error_dict
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("satisfaction", "verdict", "field"),
    [
        (0, "satisfied", "satisfaction"),
        (6, "satisfied", "satisfaction"),
        (None, "satisfied", "satisfaction"),
        (3, None, "verdict"),
        (3, "", "verdict"),
        (3, "delighted", "verdict"),
    ],
)
def test_acceptance_needs_a_satisfaction_from_1_to_5_and_a_verdict(
    world, staff, satisfaction, verdict, field
):
    project = project_in(S.COMPLETED, community=world.a1, by=world.users["community_worker"])
    before = snapshot(project)
    with pytest.raises(ValidationError) as error:
        services.transition(
            project=project, action="accept", by=staff, satisfaction=satisfaction, verdict=verdict
        )
    assert field in error.value.error_dict
    assert snapshot(project) == before


# --- proposing and editing ------------------------------------------------------------------------


def written():
    return (
        Project.objects.count(),
        Project.history.count(),
        ProjectEvent.objects.count(),
        ProjectResource.objects.count(),
    )


def propose(world, by=None, **changes):
    fields = {"title": "加装路灯", "summary": "为小区主干道补装路灯", "year": 2025, **changes}
    return services.project_create(by=by or world.users["community_worker"], community=world.a1, **fields)


def test_the_community_worker_proposes_a_draft_with_its_needs_and_resources(world, worker):
    need = need_in(world.a1, by=worker)
    funds = resource("城厢镇惠民资金", level="town", town=world.town_a, capacity_amount=Decimal("100000"))
    project, warnings = propose(
        world,
        needs=[need],
        resources=[{"resource": funds, "committed_amount": Decimal("30000"), "role": "材料费"}],
        budget_total=Decimal("50000"),
        budget_town=Decimal("30000"),
    )
    assert warnings == []
    project.refresh_from_db()
    assert (project.state, project.community, project.proposer) == (S.DRAFT, world.a1, worker)
    assert list(project.needs.all()) == [need]
    link = ProjectResource.objects.get(project=project)
    assert (link.resource, link.committed_amount, link.role) == (funds, Decimal("30000"), "材料费")
    event = ProjectEvent.objects.get(project=project)
    assert (event.action, event.from_state, event.to_state, event.actor) == ("create", "", S.DRAFT, worker)


@pytest.mark.parametrize("person", ["town_staff", "city_admin", "viewer", "other_worker", "other_town_staff"])
def test_only_the_communitys_own_worker_proposes_its_projects(world, people, person):
    with pytest.raises(PermissionDenied):
        propose(world, by=people[person])
    assert written() == (0, 0, 0, 0)


@pytest.mark.parametrize("which", ["another community's", "closed", "resolved", "planned"])
def test_a_project_takes_only_open_needs_of_its_own_community(world, worker, which):
    if which == "another community's":
        need = need_in(world.a2, by=worker)
    else:
        need = need_in(world.a1, by=worker, status=which)
    before = written()
    with pytest.raises(ValidationError) as error:
        propose(world, needs=[need])
    assert "needs" in error.value.error_dict
    assert written() == before


@pytest.mark.parametrize("state", workflow.ACTIVE_STATES)
def test_a_need_held_by_a_project_in_any_active_state_is_a_conflict(world, worker, state):
    # (the need is open as long as the project is not approved; a page or a client
    # that offered it before the other project took it up meets a conflict)
    need = need_in(world.a1, by=worker, status=Need.Status.OPEN)
    project_in(state, community=world.a1, by=worker, needs=[need], title="排水改造")
    before = written()
    with pytest.raises(services.ConflictError) as error:
        propose(world, needs=[need])
    assert need.title in str(error.value)
    assert written() == before


def test_an_escalated_need_can_still_be_taken_up_by_a_project(world, worker):
    need = need_in(world.a1, by=worker, status=Need.Status.ESCALATED)
    project, _ = propose(world, needs=[need])
    assert list(project.needs.all()) == [need]


@pytest.mark.parametrize("whose", ["another town's", "another community's", "an inactive"])
def test_a_project_uses_only_resources_within_its_communitys_reach(world, worker, whose):
    outside = {
        "another town's": lambda: resource("沙溪镇志愿者", level="town", town=world.town_b),
        "another community's": lambda: resource("南湾活动室", level="community", community=world.a2),
        "an inactive": lambda: resource("停用的基金", level="city", is_active=False),
    }[whose]()
    ours = resource("东苑活动室", level="community", community=world.a1)
    before = written()
    with pytest.raises(ValidationError) as error:
        propose(world, resources=[{"resource": ours}, {"resource": outside}])
    assert "resources" in error.value.error_dict
    assert outside.name in str(error.value)
    assert written() == before


def test_committing_more_than_a_resource_has_left_warns_but_does_not_block(world, worker):
    funds = resource("城厢镇惠民资金", level="town", town=world.town_a, capacity_amount=Decimal("10000"))
    # 7,000 already committed by a2's active project; a withdrawn one does not count
    project_in(S.IN_PROGRESS, community=world.a2, by=worker, resources={funds: Decimal("7000")})
    project_in(S.WITHDRAWN, community=world.a2, by=worker, resources={funds: Decimal("9000")})
    # within the 3,000 left: no warning
    _, none = propose(world, resources=[{"resource": funds, "committed_amount": Decimal("2000")}])
    assert none == []
    # over the 1,000 now left: created all the same, with a warning naming the resource
    project, warnings = propose(
        world, title="另一项目", resources=[{"resource": funds, "committed_amount": Decimal("5000")}]
    )
    assert Project.objects.filter(pk=project.pk, state=S.DRAFT).exists()
    assert ProjectResource.objects.get(project=project).committed_amount == Decimal("5000")
    assert len(warnings) == 1
    assert "城厢镇惠民资金" in warnings[0] and "1,000" in warnings[0] and "5,000" in warnings[0]


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"budget_total": Decimal("-1")}, "budget_total"),
        ({"budget_total": Decimal("100"), "budget_city": Decimal("-5")}, "budget_city"),
        ({"planned_start": "2025-05-01", "planned_end": "2025-04-30"}, None),
        (
            {"budget_total": Decimal("100"), "budget_city": Decimal("60"), "budget_charity": Decimal("50")},
            "budget_total",
        ),
    ],
    ids=["negative total", "negative source", "end before start", "sources over total"],
)
def test_bad_figures_are_refused_and_write_nothing(world, worker, fields, key):
    from datetime import date

    fields = {k: date.fromisoformat(v) if k.startswith("planned") else v for k, v in fields.items()}
    need = need_in(world.a1, by=worker)
    funds = resource("惠民资金", level="city")
    before = written()
    with pytest.raises(ValidationError) as error:
        propose(world, needs=[need], resources=[{"resource": funds, "committed_amount": 1}], **fields)
    if key:
        assert key in error.value.message_dict
    assert written() == before
    assert not Need.objects.get(pk=need.pk).projects.exists()


def test_the_worker_edits_a_draft(world, worker):
    project = project_in(S.DRAFT, community=world.a1, by=worker)
    other_need = need_in(world.a1, by=worker, title="道路积水")
    services.project_update(
        project=project,
        by=worker,
        title="加装路灯（二期）",
        budget_total=Decimal("60000"),
        needs=[other_need],
    )
    project.refresh_from_db()
    assert (project.title, project.budget_total) == ("加装路灯（二期）", Decimal("60000"))
    assert list(project.needs.all()) == [other_need]


def test_an_edited_draft_cannot_take_a_need_another_project_holds(world, worker):
    project = project_in(S.DRAFT, community=world.a1, by=worker)
    mine = list(project.needs.all())
    held = need_in(world.a1, by=worker, title="道路积水")
    project_in(S.SUBMITTED, community=world.a1, by=worker, needs=[held], title="排水改造")
    with pytest.raises(services.ConflictError) as error:
        services.project_update(project=project, by=worker, title="合并", needs=[*mine, held])
    assert held.title in str(error.value)
    project.refresh_from_db()
    assert (project.title, list(project.needs.all())) == ("加装路灯", mine)


@pytest.mark.parametrize("state", [s for s in S.values if s != S.DRAFT])
def test_a_project_past_its_draft_cannot_be_edited_by_its_worker(world, worker, state):
    project = project_in(state, community=world.a1, by=worker)
    with pytest.raises(services.ConflictError):
        services.project_update(project=project, by=worker, title="改个名字")
    assert Project.objects.get(pk=project.pk).title == "加装路灯"


@pytest.mark.parametrize("person", ["town_staff", "city_admin", "viewer", "other_worker", "other_town_staff"])
@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED])
def test_no_one_but_the_worker_edits_a_project(world, people, person, state):
    project = project_in(state, community=world.a1, by=people["community_worker"])
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, by=people[person], title="改个名字")
    assert Project.objects.get(pk=project.pk).title == "加装路灯"


# --- progress reports -------------------------------------------------------------------------------


@pytest.fixture
def under_way(world, worker):
    return project_in(S.IN_PROGRESS, community=world.a1, by=worker)


def report(project, by, **changes):
    fields = {"date": timezone.localdate(), "text": "已完成管线铺设", "percent": 40, **changes}
    return services.progress_add(project=project, by=by, **fields)


@pytest.mark.parametrize("person", ["community_worker", "town_staff"])
def test_the_worker_and_town_staff_report_progress_on_a_project_under_way(world, under_way, person):
    update = report(under_way, world.users[person], percent=100)
    update.refresh_from_db()
    assert (update.project, update.percent, update.created_by) == (under_way, 100, world.users[person])
    assert update.text == "已完成管线铺设"


@pytest.mark.parametrize("person", ["viewer", "city_admin", "other_worker", "other_town_staff"])
def test_others_cannot_report_progress(people, under_way, person):
    with pytest.raises(PermissionDenied):
        report(under_way, people[person])
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("state", [s for s in S.values if s != S.IN_PROGRESS])
def test_progress_is_reported_only_while_the_project_is_under_way(world, worker, state):
    project = project_in(state, community=world.a1, by=worker)
    with pytest.raises(services.ConflictError):
        report(project, worker)
    assert not ProgressUpdate.objects.exists()


def test_progress_sent_from_a_page_loaded_before_completion_is_refused(world, worker, under_way):
    """The page showed the project under way; the worker reported completion in another tab."""
    page = Project.objects.get(pk=under_way.pk)
    services.transition(project=under_way, action="complete", by=worker, outcome="路灯已亮")
    with pytest.raises(services.ConflictError):
        report(page, worker)
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"percent": 101}, "percent"), ({"date": timezone.localdate() + timedelta(days=1)}, "date")],
    ids=["over 100 percent", "future date"],
)
def test_a_bad_progress_report_is_refused(under_way, worker, changes, field):
    with pytest.raises(ValidationError) as error:
        report(under_way, worker, **changes)
    assert field in error.value.error_dict
    assert not ProgressUpdate.objects.exists()


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [("工地.jpg", JPEG), ("现场.JPEG", JPEG), ("photo.png", PNG), ("进度报告.pdf", PDF)],
)
def test_a_photo_or_pdf_that_is_what_it_says_is_kept_with_the_report(
    settings, tmp_path, under_way, worker, name, content
):
    settings.MEDIA_ROOT = tmp_path
    update = report(under_way, worker, attachment=SimpleUploadedFile(name, content))
    update.refresh_from_db()
    assert update.attachment.name.startswith(f"project-updates/{under_way.pk}/")
    with update.attachment.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
        ("photo.jpg", PNG),
        ("photo.jpg", b"just some text, not a photo"),
        ("report.pdf", JPEG),
        ("notes.txt", b"%PDF-1.4 pretending"),
        ("big.pdf", PDF + b"\x00" * (MAX_ATTACHMENT_BYTES + 1 - len(PDF))),
    ],
    ids=["exe", "png named jpg", "text named jpg", "jpeg named pdf", "txt", "over 10 MB"],
)
def test_an_attachment_that_is_not_a_real_photo_or_pdf_or_too_big_is_refused(
    settings, tmp_path, under_way, worker, name, content
):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as error:
        report(under_way, worker, attachment=SimpleUploadedFile(name, content))
    assert "attachment" in error.value.error_dict
    assert not ProgressUpdate.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_an_attachment_of_exactly_10_mb_is_accepted(settings, tmp_path, under_way, worker):
    settings.MEDIA_ROOT = tmp_path
    content = PDF + b"\x00" * (MAX_ATTACHMENT_BYTES - len(PDF))
    update = report(under_way, worker, attachment=SimpleUploadedFile("scan.pdf", content))
    assert update.attachment.size == MAX_ATTACHMENT_BYTES


# --- two people at once (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("staff_action", ["schedule", "return"])
def test_withdrawing_while_town_staff_act_on_the_same_proposal_one_wins(world, staff_action):
    """On PostgreSQL: one of the two steps lands, the other meets a conflict."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking is tested on PostgreSQL")
    worker, staff = world.users["community_worker"], world.users["town_staff"]
    project = project_in(S.SUBMITTED, community=world.a1, by=worker)
    day = decision_day_of(world.a1, by=staff)
    staff_data = {"schedule": {"decision_day": day}, "return": {"note": "预算依据不足"}}[staff_action]
    barrier = threading.Barrier(2)
    results = {}

    def act(user, action, data):
        from django.db import connections

        try:
            seen = Project.objects.get(pk=project.pk)  # both pages show the proposal submitted
            barrier.wait()
            services.transition(project=seen, action=action, by=user, **data)
            results[action] = "ok"
        except services.ConflictError:
            results[action] = "conflict"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(worker, "withdraw", {})),
        threading.Thread(target=act, args=(staff, staff_action, staff_data)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(results.values()) == ["conflict", "ok"]
    winner = next(action for action, result in results.items() if result == "ok")
    events = ProjectEvent.objects.filter(project=project, action__in=["withdraw", staff_action])
    assert list(events.values_list("action", flat=True)) == [winner]
    assert Project.objects.get(pk=project.pk).state == TRANSITIONS[winner].target


def test_a_withdrawal_sent_from_a_submitted_page_does_not_land_after_the_staff_returned_it(world):
    """The two steps above, queued by the row lock in the order return → withdraw."""
    worker, staff = world.users["community_worker"], world.users["town_staff"]
    project = project_in(S.SUBMITTED, community=world.a1, by=worker)
    workers_page = Project.objects.get(pk=project.pk)
    services.transition(project=project, action="return", by=staff, note="预算依据不足")
    with pytest.raises(services.ConflictError):
        services.transition(project=workers_page, action="withdraw", by=worker)
    project.refresh_from_db()
    assert project.state == S.DRAFT
    assert list(ProjectEvent.objects.filter(project=project).values_list("action", flat=True)) == ["return"]


# --- who keeps which resources ---------------------------------------------------------------------


def place_of(world, level, place):
    if level == Resource.Level.TOWN:
        return {"town": getattr(world, place)}
    if level == Resource.Level.COMMUNITY:
        return {"community": getattr(world, place)}
    return {}


def new_resource(world, by, level, place=None, **fields):
    from projects.models import ResourceCategory

    return services.resource_save(
        by=by,
        name="志愿服务队",
        category=ResourceCategory.objects.get(code="volunteer_teams"),
        level=level,
        **place_of(world, level, place),
        **fields,
    )


@pytest.mark.parametrize(
    ("person", "level", "place", "allowed"),
    [
        ("town_staff", "town", "town_a", True),
        ("town_staff", "community", "a1", True),
        ("town_staff", "community", "a2", True),
        ("town_staff", "town", "town_b", False),
        ("town_staff", "community", "b1", False),
        ("town_staff", "city", None, False),
        ("community_worker", "community", "a1", True),
        ("community_worker", "community", "a2", False),
        ("community_worker", "town", "town_a", False),
        ("community_worker", "city", None, False),
        ("viewer", "city", None, False),
        ("viewer", "town", "town_a", False),
        ("viewer", "community", "a1", False),
        ("city_admin", "city", None, True),
        ("city_admin", "town", "town_b", True),
        ("city_admin", "community", "b2", True),
    ],
)
def test_people_keep_resources_of_their_own_places(world, person, level, place, allowed):
    by = world.users[person]
    if allowed:
        saved = new_resource(world, by, level, place)
        saved.refresh_from_db()
        assert saved.level == level
        assert (saved.town, saved.community) == (
            place_of(world, level, place).get("town"),
            place_of(world, level, place).get("community"),
        )
        assert saved.history.latest().history_user == by
    else:
        with pytest.raises(PermissionDenied):
            new_resource(world, by, level, place)
        assert not Resource.objects.exists()


def test_a_worker_cannot_move_their_resource_to_another_community(world, worker):
    own = new_resource(world, worker, "community", "a1")
    with pytest.raises(PermissionDenied):
        services.resource_save(by=worker, resource=own, community=world.a2)
    assert Resource.objects.get(pk=own.pk).community == world.a1


def test_town_staff_cannot_change_another_towns_resource(world, staff):
    theirs = new_resource(world, world.users["city_admin"], "town", "town_b")
    with pytest.raises(PermissionDenied):
        services.resource_save(by=staff, resource=theirs, name="改名")
    assert Resource.objects.get(pk=theirs.pk).name == "志愿服务队"


@pytest.mark.parametrize("person", ["city_admin", "town_staff"])
@pytest.mark.parametrize(
    ("level", "place"),
    [("town", {"community": "a1"}), ("community", {"town": "town_a"}), ("town", {}), ("community", {})],
    ids=["town level with a community", "community level with a town", "town level alone", "community alone"],
)
def test_a_resource_without_the_place_its_level_needs_is_refused(world, person, level, place):
    from projects.models import ResourceCategory

    with pytest.raises(ValidationError):
        services.resource_save(
            by=world.users[person],
            name="志愿服务队",
            category=ResourceCategory.objects.get(code="volunteer_teams"),
            level=level,
            **{k: getattr(world, v) for k, v in place.items()},
        )
    assert not Resource.objects.exists()
