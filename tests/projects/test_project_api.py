"""The projects REST API (/api/v1/): which projects and resources each role reads,
filters, proposing a project, every step of the path, the path's events, progress
updates, resource suggestions, keeping resources, and the queries a list runs
whatever its length.

Out of a user's scope an object answers 404; in scope, an action the role may not take
answers 403, one the project's state does not allow 409; anonymous clients get 401.
Assertions look at status codes, the JSON a client receives (fields and keys, not
message wording) and what ends up stored.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from needs.models import Need, ProblemCategory
from projects import services
from projects.models import (
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectResource,
    Resource,
    ResourceCategory,
)
from tests.projects.factories import NEED_STATUS_IN, decision_day_of, need_in, project_in, resource
from tests.querycount import capture, tables

S = Project.State
ROLES = ["city_admin", "viewer", "town_staff", "community_worker"]
NON_WORKERS = ["city_admin", "viewer", "town_staff"]
ALL_COMMUNITIES = {"a1", "a2", "b1", "b2"}
SCOPE = {
    "city_admin": ALL_COMMUNITIES,
    "viewer": ALL_COMMUNITIES,
    "town_staff": {"a1", "a2"},
    "community_worker": {"a1"},
}

PROJECTS_URL = "/api/v1/projects/"
RESOURCES_URL = "/api/v1/resources/"
CATEGORIES_URL = "/api/v1/resource-categories/"

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def project_url(project, action=None) -> str:
    return f"{PROJECTS_URL}{project.pk}/" + (f"{action}/" if action else "")


def fetch(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


# --- the projects of the list ------------------------------------------------------------------

# key: (community, state, year, categories of its needs, excellent case)
PROJECTS = {
    "a1-draft": ("a1", S.DRAFT, 2025, ["street_lighting", "ev_charging"], False),
    "a1-progress": ("a1", S.IN_PROGRESS, 2024, ["ev_charging"], False),
    "a2-submitted": ("a2", S.SUBMITTED, 2025, ["old_estate_renovation"], False),
    "b1-accepted": ("b1", S.ACCEPTED, 2024, ["river_water_environment"], True),
    "b2-scheduled": ("b2", S.SCHEDULED, 2025, ["waste_sorting"], False),
}
# Each title contains no other; only a1's draft speaks of lighting (照明) in its summary.
TITLES = {
    "a1-draft": "东苑路灯改造",
    "a1-progress": "东苑充电桩增设",
    "a2-submitted": "南湾老街修缮",
    "b1-accepted": "北泾河道整治",
    "b2-scheduled": "西浜垃圾分类",
}
SUMMARIES = {"a1-draft": "夜间照明不足"}
KEYS_IN = {role: {k for k in PROJECTS if PROJECTS[k][0] in SCOPE[role]} for role in ROLES}


def make_project(world, key) -> Project:
    community_key, state, year, categories, excellent = PROJECTS[key]
    title, summary = TITLES[key], SUMMARIES.get(key, "按居民需求实施")
    community = getattr(world, community_key)
    by = world.users["community_worker"] if community_key == "a1" else world.users["city_admin"]
    needs = [
        need_in(community, by=by, title=f"{key}需求{i}", category=code, status=NEED_STATUS_IN[state])
        for i, code in enumerate(categories)
    ]
    project = project_in(state, community=community, by=by, needs=needs, title=title)
    Project.objects.filter(pk=project.pk).update(year=year, summary=summary, is_excellent=excellent)
    return fetch(project)


@pytest.fixture
def projects(world):
    return {key: make_project(world, key) for key in PROJECTS}


def keys_of(response, projects) -> set[str]:
    ids = {row["id"] for row in response.json()["results"]}
    return {key for key, p in projects.items() if p.pk in ids}


# --- anonymous clients -------------------------------------------------------------------------

ANONYMOUS_REQUESTS = {
    "projects": ("get", lambda p: PROJECTS_URL),
    "project": ("get", lambda p: project_url(p["a1-draft"])),
    "create": ("post", lambda p: PROJECTS_URL),
    "submit": ("post", lambda p: project_url(p["a1-draft"], "submit")),
    "events": ("get", lambda p: project_url(p["a1-draft"], "events")),
    "updates": ("get", lambda p: project_url(p["a1-progress"], "updates")),
    "add-update": ("post", lambda p: project_url(p["a1-progress"], "updates")),
    "matches": ("get", lambda p: project_url(p["a1-draft"], "matches")),
    "resources": ("get", lambda p: RESOURCES_URL),
    "create-resource": ("post", lambda p: RESOURCES_URL),
    "resource-categories": ("get", lambda p: CATEGORIES_URL),
}


@pytest.mark.parametrize(("method", "url"), list(ANONYMOUS_REQUESTS.values()), ids=list(ANONYMOUS_REQUESTS))
def test_anonymous_client_gets_401(projects, api_as, method, url):
    response = getattr(api_as(None), method)(url(projects), {}, format="json")

    assert response.status_code == 401


def test_anonymous_writes_change_nothing(projects, world, api_as):
    api = api_as(None)

    api.post(project_url(projects["a1-draft"], "submit"), {}, format="json")
    api.post(
        PROJECTS_URL, {"community": world.a1.pk, "year": 2025, "title": "x", "summary": "x"}, format="json"
    )
    api.post(RESOURCES_URL, {"name": "x", "category": "funds", "level": "city"}, format="json")

    assert fetch(projects["a1-draft"]).state == S.DRAFT
    assert Project.objects.count() == len(PROJECTS)
    assert not Resource.objects.exists()


# --- reading projects --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_project_list_returns_exactly_the_users_scope(projects, api_as, world, role):
    response = api_as(world.users[role]).get(PROJECTS_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(KEYS_IN[role])
    assert keys_of(response, projects) == KEYS_IN[role]
    assert len(body["results"]) == len(KEYS_IN[role])


def test_project_list_items_carry_the_projects_fields(projects, api_as, world):
    rows = {row["id"]: row for row in api_as(world.users["viewer"]).get(PROJECTS_URL).json()["results"]}

    draft = projects["a1-draft"]
    row = rows[draft.pk]
    assert (row["community"], row["year"], row["title"], row["state"], row["need_count"]) == (
        world.a1.pk,
        2025,
        "东苑路灯改造",
        "draft",
        2,
    )
    assert sorted(row["needs"]) == sorted(draft.needs.values_list("pk", flat=True))
    assert rows[projects["b1-accepted"].pk]["is_excellent"] is True
    assert "resources" not in row  # write-only


def test_page_size_one_gives_one_result_and_the_full_count(projects, api_as, world):
    response = api_as(world.users["city_admin"]).get(PROJECTS_URL, {"page_size": 1})

    assert (len(response.json()["results"]), response.json()["count"]) == (1, len(PROJECTS))


@pytest.mark.parametrize(("role", "key"), [(role, key) for role in ROLES for key in PROJECTS])
def test_project_detail_answers_in_scope_and_404_outside(projects, api_as, world, role, key):
    project = projects[key]

    response = api_as(world.users[role]).get(project_url(project))

    if key in KEYS_IN[role]:
        assert response.status_code == 200
        assert (response.json()["id"], response.json()["title"]) == (project.pk, project.title)
    else:
        assert response.status_code == 404
        assert project.title not in response.content.decode()


FILTER_CASES = {
    "year-2024": (lambda w: {"year": 2024}, {"a1-progress", "b1-accepted"}),
    "year-none": (lambda w: {"year": 2023}, set()),
    "town-by-id": (lambda w: {"town": w.town_a.pk}, {"a1-draft", "a1-progress", "a2-submitted"}),
    "town-by-code": (lambda w: {"town": "320585101"}, {"b1-accepted", "b2-scheduled"}),
    "community-by-id": (lambda w: {"community": w.a2.pk}, {"a2-submitted"}),
    "community-by-code": (lambda w: {"community": "320585101201"}, {"b1-accepted"}),
    "type": (lambda w: {"type": "old_street"}, {"a2-submitted"}),
    "state": (lambda w: {"state": "scheduled"}, {"b2-scheduled"}),
    "category-by-code": (lambda w: {"category": "street_lighting"}, {"a1-draft"}),
    "category-two-projects": (lambda w: {"category": "ev_charging"}, {"a1-draft", "a1-progress"}),
    "category-by-id": (
        lambda w: {"category": ProblemCategory.objects.get(code="waste_sorting").pk},
        {"b2-scheduled"},
    ),
    "excellent": (lambda w: {"excellent": "true"}, {"b1-accepted"}),
    "not-excellent": (
        lambda w: {"excellent": "false"},
        {"a1-draft", "a1-progress", "a2-submitted", "b2-scheduled"},
    ),
    "q-title": (lambda w: {"q": "东苑"}, {"a1-draft", "a1-progress"}),
    "q-summary": (lambda w: {"q": "照明"}, {"a1-draft"}),
    "town-and-year": (lambda w: {"town": "320585100", "year": 2025}, {"a1-draft", "a2-submitted"}),
}


@pytest.mark.parametrize(("params", "expected"), list(FILTER_CASES.values()), ids=list(FILTER_CASES))
def test_project_list_filters(projects, api_as, world, params, expected):
    response = api_as(world.users["city_admin"]).get(PROJECTS_URL, params(world))

    assert response.status_code == 200
    assert keys_of(response, projects) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "nonexistent"),
    [
        (lambda w: {"town": w.town_b.pk}, {"town": 999999}),
        (lambda w: {"town": "320585101"}, {"town": "320585999"}),
        (lambda w: {"community": w.b1.pk}, {"community": 999999}),
        (lambda w: {"community": "320585101201"}, {"community": "320585999999"}),
    ],
    ids=["town-b-by-id", "town-b-by-code", "b1-by-id", "b1-by-code"],
)
def test_town_staff_filtering_for_another_town_is_answered_as_a_nonexistent_place(
    projects, api_as, world, params, nonexistent
):
    api = api_as(world.users["town_staff"])
    given = params(world)

    response = api.get(PROJECTS_URL, given)
    unknown = api.get(PROJECTS_URL, nonexistent)

    # the same field error as for a place that does not exist, with the typed value in it
    assert (response.status_code, unknown.status_code) == (400, 400)
    (key, value), (_, other) = next(iter(given.items())), next(iter(nonexistent.items()))
    assert response.json()[key] == [m.replace(str(other), str(value)) for m in unknown.json()[key]]
    assert TITLES["b1-accepted"] not in response.content.decode()


# --- proposing a project -----------------------------------------------------------------------


@pytest.fixture
def choices(world):
    """Needs and resources a1's worker may and may not take up (see the pages' tests)."""
    worker, admin = world.users["community_worker"], world.users["city_admin"]
    needs = {
        "free": need_in(world.a1, by=worker, title="东苑路灯不亮"),
        "escalated": need_in(world.a1, by=worker, title="东苑井盖松动", status=Need.Status.ESCALATED),
        "held": need_in(world.a1, by=worker, title="东苑已被占用"),
        "closed": need_in(world.a1, by=worker, title="东苑已关闭", status=Need.Status.CLOSED),
        "a2": need_in(world.a2, by=admin, title="南湾路灯不亮"),
        "b1": need_in(world.b1, by=admin, title="北泾路灯不亮"),
    }
    project_in(S.DRAFT, community=world.a1, by=worker, needs=[needs["held"]], title="占用需求的项目")
    resources = {
        "city": resource(
            "全市路灯专项资金", category="funds", capacity_amount=Decimal("5000"), capacity_unit="元"
        ),
        "town_a": resource(
            "城厢镇志愿服务队", category="volunteer_teams", level=Resource.Level.TOWN, town=world.town_a
        ),
        "a1": resource(
            "东苑社区活动室", category="spaces", level=Resource.Level.COMMUNITY, community=world.a1
        ),
        "a2": resource(
            "南湾社区活动室", category="spaces", level=Resource.Level.COMMUNITY, community=world.a2
        ),
        "town_b": resource("沙溪镇共建基金", category="funds", level=Resource.Level.TOWN, town=world.town_b),
        "b1": resource(
            "北泾村文化礼堂", category="spaces", level=Resource.Level.COMMUNITY, community=world.b1
        ),
        "inactive": resource("停用的城市资源", category="charity", is_active=False),
    }
    return needs, resources


NEW_TITLE = "东苑夜间照明提升"


def new_project(world, needs=(), links=(), **changes) -> dict:
    """A proposal as a client posts it; ``links``: (resource, amount, role) triples."""
    data = {
        "community": world.a1.pk,
        "year": 2025,
        "title": NEW_TITLE,
        "summary": "在主干道补装路灯",
        "needs": [n.pk for n in needs],
        "resources": [
            {"resource": r.pk, "committed_amount": amount, "role": role} for r, amount, role in links
        ],
        "budget_total": "10000.00",
        "budget_city": "6000.00",
        "budget_community": "4000.00",
        "planned_start": "2025-04-01",
        "planned_end": "2025-06-30",
        "beneficiaries": 800,
    }
    data.update(changes)
    return data


def nothing_proposed():
    assert not Project.objects.filter(title=NEW_TITLE).exists()
    assert not ProjectEvent.objects.filter(project__title=NEW_TITLE).exists()


@pytest.mark.parametrize("by", ["id", "code"])
def test_worker_proposes_a_draft(choices, world, api_as, by):
    # given the worker picks two needs and two resources, one without an amount
    needs, resources = choices
    worker = world.users["community_worker"]
    data = new_project(
        world,
        needs=[needs["free"], needs["escalated"]],
        links=[(resources["city"], "1000.00", "资金支持"), (resources["a1"], None, "活动场地")],
        community=world.a1.pk if by == "id" else world.a1.code,
    )

    # when the proposal is posted
    response = api_as(worker).post(PROJECTS_URL, data, format="json")

    # then a draft of a1 is stored with them, and the answer says so without warnings
    assert response.status_code == 201, response.json()
    body = response.json()
    project = Project.objects.get(title=NEW_TITLE)
    assert (body["id"], body["state"], body["warnings"], body["community"]) == (
        project.pk,
        "draft",
        [],
        world.a1.pk,
    )
    assert (project.community, project.state, project.proposer, project.beneficiaries) == (
        world.a1,
        S.DRAFT,
        worker,
        800,
    )
    assert (project.planned_start, project.planned_end) == (date(2025, 4, 1), date(2025, 6, 30))
    assert set(project.needs.all()) == {needs["free"], needs["escalated"]}
    assert {
        (link.resource_id, link.committed_amount, link.role) for link in project.resource_links.all()
    } == {
        (resources["city"].pk, Decimal("1000"), "资金支持"),
        (resources["a1"].pk, None, "活动场地"),
    }
    assert sorted(body["needs"]) == sorted([needs["free"].pk, needs["escalated"].pk])
    assert list(project.events.values_list("action", "to_state")) == [("create", S.DRAFT)]


def test_a_commitment_over_what_a_resource_has_left_is_saved_with_a_warning(choices, world, api_as):
    needs, resources = choices
    project_in(
        S.APPROVED, community=world.a2, by=world.users["city_admin"], resources={resources["city"]: 4500}
    )
    data = new_project(world, needs=[needs["free"]], links=[(resources["city"], "1000", "资金支持")])

    response = api_as(world.users["community_worker"]).post(PROJECTS_URL, data, format="json")

    assert response.status_code == 201
    assert len(response.json()["warnings"]) == 1
    assert Project.objects.get(title=NEW_TITLE).resource_links.get().committed_amount == Decimal("1000")


@pytest.mark.parametrize("role", NON_WORKERS)
def test_only_the_communitys_worker_proposes_its_projects(choices, world, api_as, role):
    needs, _ = choices

    response = api_as(world.users[role]).post(
        PROJECTS_URL, new_project(world, needs=[needs["free"]]), format="json"
    )

    assert response.status_code == 403
    nothing_proposed()


@pytest.mark.parametrize("key", ["a2", "b1"])
def test_a_proposal_for_a_community_out_of_scope_is_an_unknown_community(choices, world, api_as, key):
    community = getattr(world, key)
    for given in (community.pk, community.code):
        response = api_as(world.users["community_worker"]).post(
            PROJECTS_URL, new_project(world, community=given), format="json"
        )

        assert response.status_code == 400
        assert "community" in response.json()
    nothing_proposed()


@pytest.mark.parametrize("which", ["a2", "b1", "closed"])
def test_a_need_that_is_not_an_open_need_of_the_community_is_refused(choices, world, api_as, which):
    needs, _ = choices

    response = api_as(world.users["community_worker"]).post(
        PROJECTS_URL, new_project(world, needs=[needs["free"], needs[which]]), format="json"
    )

    assert response.status_code == 400
    assert "needs" in response.json()
    nothing_proposed()


def test_a_need_another_project_holds_is_a_conflict(choices, world, api_as):
    needs, _ = choices

    response = api_as(world.users["community_worker"]).post(
        PROJECTS_URL, new_project(world, needs=[needs["free"], needs["held"]]), format="json"
    )

    assert response.status_code == 409
    assert needs["held"].title in response.json()["detail"]
    nothing_proposed()


def test_an_unknown_need_is_refused(choices, world, api_as):
    response = api_as(world.users["community_worker"]).post(
        PROJECTS_URL, new_project(world, needs=[]) | {"needs": [999999]}, format="json"
    )

    assert response.status_code == 400
    assert "needs" in response.json()
    nothing_proposed()


@pytest.mark.parametrize("which", ["a2", "town_b", "b1", "inactive"])
def test_a_resource_out_of_the_communitys_reach_is_refused(choices, world, api_as, which):
    needs, resources = choices
    data = new_project(world, needs=[needs["free"]], links=[(resources[which], "100", "支持")])

    response = api_as(world.users["community_worker"]).post(PROJECTS_URL, data, format="json")

    assert response.status_code == 400
    assert "resources" in response.json()
    nothing_proposed()
    assert not ProjectResource.objects.filter(resource=resources[which]).exists()


@pytest.mark.parametrize("which", ["a2", "b1"])
def test_refusing_a_need_out_of_scope_does_not_tell_its_title(choices, world, api_as, which):
    needs, _ = choices

    response = api_as(world.users["community_worker"]).post(
        PROJECTS_URL, new_project(world, needs=[needs["free"], needs[which]]), format="json"
    )

    assert response.status_code == 400
    assert needs[which].title not in response.content.decode()


@pytest.mark.parametrize("which", ["a2", "town_b", "b1"])
def test_refusing_a_resource_out_of_scope_does_not_tell_its_name(choices, world, api_as, which):
    needs, resources = choices
    data = new_project(world, needs=[needs["free"]], links=[(resources[which], "100", "支持")])

    response = api_as(world.users["community_worker"]).post(PROJECTS_URL, data, format="json")

    assert response.status_code == 400
    assert resources[which].name not in response.content.decode()


def test_the_same_resource_twice_is_400_and_nothing_written(choices, world, api_as):
    needs, resources = choices
    city = resources["city"]
    data = new_project(world, needs=[needs["free"]], links=[(city, "100", "资金"), (city, "200", "资金")])

    response = api_as(world.users["community_worker"]).post(PROJECTS_URL, data, format="json")

    assert response.status_code == 400
    assert "resources" in response.json()
    nothing_proposed()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_project_is_not_changed_or_deleted_through_its_record(projects, world, api_as, method):
    draft = projects["a1-draft"]

    response = getattr(api_as(world.users["community_worker"]), method)(
        project_url(draft), {"title": "改名", "state": "approved"}, format="json"
    )

    assert response.status_code == 405
    assert (fetch(draft).title, fetch(draft).state) == (draft.title, S.DRAFT)


BAD_PROPOSALS = {
    "negative-budget": ({"budget_total": "-1"}, "budget_total"),
    "negative-source": ({"budget_city": "-100"}, "budget_city"),
    "sources-over-total": ({"budget_total": "5000"}, "budget_total"),
    "end-before-start": ({"planned_start": "2025-06-30", "planned_end": "2025-04-01"}, None),
    "year-out-of-range": ({"year": 1999}, "year"),
    "no-title": ({"title": ""}, "title"),
    "negative-amount": ({"resources": "negative"}, "resources"),
    "amount-not-a-number": ({"resources": "nan"}, "resources"),
}


@pytest.mark.parametrize(("changes", "field"), list(BAD_PROPOSALS.values()), ids=list(BAD_PROPOSALS))
def test_a_bad_proposal_is_refused_and_nothing_written(choices, world, api_as, changes, field):
    needs, resources = choices
    changes = dict(changes)
    if changes.get("resources") == "negative":
        changes["resources"] = [{"resource": resources["town_a"].pk, "committed_amount": "-5", "role": ""}]
    elif changes.get("resources") == "nan":
        changes["resources"] = [{"resource": resources["town_a"].pk, "committed_amount": "NaN", "role": ""}]

    response = api_as(world.users["community_worker"]).post(
        PROJECTS_URL, new_project(world, needs=[needs["free"]], **changes), format="json"
    )

    assert response.status_code == 400
    if field:
        assert field in response.json()
    nothing_proposed()


# --- the project's path ------------------------------------------------------------------------

# action: (the state it starts from, the state it leads to, who may take it on a1's project)
STEPS = {
    "submit": (S.DRAFT, S.SUBMITTED, {"community_worker"}),
    "withdraw": (S.SUBMITTED, S.WITHDRAWN, {"community_worker"}),
    "return": (S.SUBMITTED, S.DRAFT, {"town_staff"}),
    "schedule": (S.SUBMITTED, S.SCHEDULED, {"town_staff"}),
    "resubmit": (S.DEFERRED, S.SUBMITTED, {"community_worker"}),
    "start": (S.APPROVED, S.IN_PROGRESS, {"community_worker"}),
    "complete": (S.IN_PROGRESS, S.COMPLETED, {"community_worker"}),
    "accept": (S.COMPLETED, S.ACCEPTED, {"town_staff", "city_admin"}),
}


def step_body(action, world) -> dict:
    if action == "return":
        return {"note": "预算来源不清，请补充"}
    if action == "schedule":
        return {"decision_day": decision_day_of(world.a1, by=world.users["town_staff"]).pk}
    if action == "complete":
        return {"outcome": "新装路灯12盏"}
    if action == "accept":
        return {"satisfaction": 5, "verdict": "satisfied", "verdict_note": "居民满意", "is_excellent": True}
    return {}


def a1_project(world, state) -> Project:
    return project_in(state, community=world.a1, by=world.users["community_worker"])


@pytest.mark.parametrize(
    ("action", "role"),
    [(action, role) for action, (_, _, allowed) in STEPS.items() for role in sorted(allowed)],
)
def test_each_step_taken_by_the_role_it_belongs_to_answers_the_new_state(world, api_as, action, role):
    source, target, _ = STEPS[action]
    user = world.users[role]
    project = a1_project(world, source)

    response = api_as(user).post(
        project_url(project, action), {**step_body(action, world), "expected_state": source}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["state"]) == (project.pk, target)
    assert fetch(project).state == target
    event = ProjectEvent.objects.get(project=project)
    assert (event.action, event.from_state, event.to_state, event.actor) == (action, source, target, user)


def test_accepting_records_the_residents_verdict(world, api_as):
    project = a1_project(world, S.COMPLETED)

    response = api_as(world.users["town_staff"]).post(
        project_url(project, "accept"), step_body("accept", world), format="json"
    )

    body = response.json()
    assert (body["satisfaction"], body["verdict"], body["is_excellent"]) == (5, "satisfied", True)
    project = fetch(project)
    assert (project.satisfaction, project.verdict, project.verdict_note, project.is_excellent) == (
        5,
        "satisfied",
        "居民满意",
        True,
    )
    assert set(project.needs.values_list("status", flat=True)) == {Need.Status.RESOLVED}


@pytest.mark.parametrize(
    ("action", "role"),
    [(action, role) for action, (_, _, allowed) in STEPS.items() for role in ROLES if role not in allowed],
)
def test_a_step_the_role_may_not_take_is_403_and_changes_nothing(world, api_as, action, role):
    source = STEPS[action][0]
    project = a1_project(world, source)

    response = api_as(world.users[role]).post(
        project_url(project, action), step_body(action, world), format="json"
    )

    assert response.status_code == 403
    assert fetch(project).state == source
    assert not ProjectEvent.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("action", "state", "role"),
    [
        ("submit", S.SUBMITTED, "community_worker"),
        ("withdraw", S.APPROVED, "community_worker"),
        ("schedule", S.DRAFT, "town_staff"),
        ("return", S.SCHEDULED, "town_staff"),
        ("start", S.SCHEDULED, "community_worker"),
        ("complete", S.APPROVED, "community_worker"),
        ("accept", S.IN_PROGRESS, "city_admin"),
        ("resubmit", S.REJECTED, "community_worker"),
    ],
)
def test_a_step_the_state_does_not_allow_is_409_and_changes_nothing(world, api_as, action, state, role):
    project = a1_project(world, state)

    response = api_as(world.users[role]).post(
        project_url(project, action), step_body(action, world), format="json"
    )

    assert response.status_code == 409
    assert fetch(project).state == state
    assert not ProjectEvent.objects.filter(project=project).exists()


def test_a_step_with_a_stale_expected_state_is_409(world, api_as):
    project = a1_project(world, S.SUBMITTED)

    response = api_as(world.users["community_worker"]).post(
        project_url(project, "withdraw"), {"expected_state": "draft"}, format="json"
    )

    assert response.status_code == 409
    assert fetch(project).state == S.SUBMITTED


BAD_STEPS = {
    "return-without-note": ("return", {"note": ""}, "note"),
    "return-with-blank-note": ("return", {"note": "   "}, "note"),
    "schedule-on-another-communitys-day": ("schedule", "a2-day", "decision_day"),
    "schedule-on-a-past-day": ("schedule", "past-day", "decision_day"),
    "schedule-on-an-unknown-day": ("schedule", {"decision_day": 999999}, "decision_day"),
    "schedule-without-a-day": ("schedule", {}, "decision_day"),
    "complete-without-outcome": ("complete", {"outcome": ""}, "outcome"),
    "accept-satisfaction-6": ("accept", {"satisfaction": 6, "verdict": "satisfied"}, "satisfaction"),
    "accept-satisfaction-0": ("accept", {"satisfaction": 0, "verdict": "satisfied"}, "satisfaction"),
    "accept-without-verdict": ("accept", {"satisfaction": 4}, "verdict"),
}


@pytest.mark.parametrize(("action", "body", "field"), list(BAD_STEPS.values()), ids=list(BAD_STEPS))
def test_a_step_with_missing_or_bad_data_is_400_and_changes_nothing(world, api_as, action, body, field):
    source = STEPS[action][0]
    role = "community_worker" if "community_worker" in STEPS[action][2] else "town_staff"
    project = a1_project(world, source)
    staff = world.users["town_staff"]
    if body == "a2-day":
        body = {"decision_day": decision_day_of(world.a2, by=staff).pk}
    elif body == "past-day":
        body = {"decision_day": decision_day_of(world.a1, by=staff, days_ahead=-1).pk}

    response = api_as(world.users[role]).post(project_url(project, action), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert fetch(project).state == source
    assert not ProjectEvent.objects.filter(project=project).exists()


@pytest.mark.parametrize("action", ["approve", "reject", "defer"])
@pytest.mark.parametrize("role", ROLES)
def test_there_is_no_endpoint_for_the_decision_days_vote(world, api_as, action, role):
    project = a1_project(world, S.SCHEDULED)

    response = api_as(world.users[role]).post(project_url(project, action), {}, format="json")

    assert response.status_code in (404, 405)
    assert fetch(project).state == S.SCHEDULED


@pytest.mark.parametrize(("action", "role"), [("submit", "community_worker"), ("return", "town_staff")])
def test_a_step_on_a_project_out_of_scope_is_404(world, api_as, action, role):
    source = STEPS[action][0]
    project = project_in(source, community=world.b1, by=world.users["city_admin"])

    response = api_as(world.users[role]).post(
        project_url(project, action), step_body(action, world), format="json"
    )

    assert response.status_code == 404
    assert fetch(project).state == source


def test_events_list_the_projects_path_in_order(world, api_as, choices):
    # given a proposal that was submitted, returned with a reason and submitted again
    needs, _ = choices
    worker, staff = world.users["community_worker"], world.users["town_staff"]
    project, _ = services.project_create(
        by=worker, community=world.a1, needs=[needs["free"]], year=2025, title=NEW_TITLE, summary="摘要"
    )
    project = services.transition(project=project, action="submit", by=worker)
    project = services.transition(project=project, action="return", by=staff, note="补充预算")
    project = services.transition(project=project, action="submit", by=worker)

    # when a viewer reads its events
    response = api_as(world.users["viewer"]).get(project_url(project, "events"))

    # then they come oldest first, with who did what and why
    assert response.status_code == 200
    assert [
        (e["action"], e["from_state"], e["to_state"], e["actor"], e["note"]) for e in response.json()
    ] == [
        ("create", "", "draft", "worker_a1", ""),
        ("submit", "draft", "submitted", "worker_a1", ""),
        ("return", "submitted", "draft", "staff_a", "补充预算"),
        ("submit", "draft", "submitted", "worker_a1", ""),
    ]


def test_events_of_a_project_out_of_scope_are_404(world, api_as):
    project = project_in(S.SUBMITTED, community=world.b1, by=world.users["city_admin"])

    assert api_as(world.users["town_staff"]).get(project_url(project, "events")).status_code == 404


# --- progress updates --------------------------------------------------------------------------


@pytest.fixture
def under_way(world):
    return a1_project(world, S.IN_PROGRESS)


def update_body(**changes) -> dict:
    return {"date": timezone.localdate().isoformat(), "text": "已完成管线铺设", "percent": 40, **changes}


@pytest.mark.parametrize("role", ["community_worker", "town_staff"])
def test_worker_and_town_staff_post_progress_while_under_way(
    settings, tmp_path, world, api_as, under_way, role
):
    settings.MEDIA_ROOT = tmp_path
    user = world.users[role]
    photo = SimpleUploadedFile("工地.jpg", JPEG, content_type="image/jpeg")

    response = api_as(user).post(
        project_url(under_way, "updates"), update_body(attachment=photo), format="multipart"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    update = ProgressUpdate.objects.get()
    assert (body["id"], body["percent"], body["created_by"]) == (update.pk, 40, user.username)
    assert (update.project, update.text, update.created_by) == (under_way, "已完成管线铺设", user)
    with update.attachment.open("rb") as stored:
        assert stored.read() == JPEG


def token_client(user):
    """An API client as a real one is: with its token, not a test shortcut."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_an_attachment_is_answered_as_an_address_the_client_can_download(
    settings, tmp_path, world, api_as, under_way
):
    # given a progress report posted with a photo
    settings.MEDIA_ROOT = tmp_path
    worker = world.users["community_worker"]
    photo = SimpleUploadedFile("工地.jpg", JPEG, content_type="image/jpeg")
    posted = token_client(worker).post(
        project_url(under_way, "updates"), update_body(attachment=photo), format="multipart"
    )
    update = ProgressUpdate.objects.get()

    # when a client follows the address the API gave, in the answer and in the list
    listed = token_client(world.users["viewer"]).get(project_url(under_way, "updates")).json()
    address = posted.json()["attachment"]
    download = token_client(world.users["viewer"]).get(address)

    # then it is the scoped download address, absolute, and it serves the photo
    assert address == f"http://testserver/project-updates/{update.pk}/file/"
    assert listed[0]["attachment"] == address
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == JPEG


def test_an_attachment_address_is_not_found_for_a_client_out_of_scope(settings, tmp_path, world, under_way):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("工地.jpg", JPEG, content_type="image/jpeg")
    address = (
        token_client(world.users["community_worker"])
        .post(project_url(under_way, "updates"), update_body(attachment=photo), format="multipart")
        .json()["attachment"]
    )
    from communities.models import Role
    from tests.factories import user_with_role

    outsider = user_with_role(Role.COMMUNITY_WORKER, community=world.b1, username="worker_b1")

    assert token_client(outsider).get(address).status_code == 404
    assert token_client(world.users["town_staff"]).get(address).status_code == 200


def test_a_report_without_an_attachment_answers_null(world, api_as, under_way):
    response = api_as(world.users["community_worker"]).post(
        project_url(under_way, "updates"), update_body(), format="json"
    )

    assert response.status_code == 201
    assert response.json()["attachment"] is None


def test_progress_without_an_attachment_is_accepted(world, api_as, under_way):
    response = api_as(world.users["community_worker"]).post(
        project_url(under_way, "updates"), update_body(), format="multipart"
    )

    assert response.status_code == 201
    assert not ProgressUpdate.objects.get().attachment


def test_updates_are_listed_newest_first(world, api_as, under_way):
    worker = world.users["community_worker"]
    for day, percent in ((date(2025, 3, 1), 20), (date(2025, 3, 8), 60)):
        ProgressUpdate.objects.create(
            project=under_way, date=day, text="进度", percent=percent, created_by=worker
        )

    response = api_as(world.users["viewer"]).get(project_url(under_way, "updates"))

    assert response.status_code == 200
    assert [(u["date"], u["percent"]) for u in response.json()] == [("2025-03-08", 60), ("2025-03-01", 20)]


def test_an_attachment_that_is_not_what_its_name_says_is_400_and_nothing_saved(
    settings, tmp_path, world, api_as, under_way
):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not a photo", content_type="image/jpeg")

    response = api_as(world.users["community_worker"]).post(
        project_url(under_way, "updates"), update_body(attachment=fake), format="multipart"
    )

    assert response.status_code == 400
    assert "attachment" in response.json()
    assert not ProgressUpdate.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"percent": 101}, "percent"),
        ({"date": (timezone.localdate() + timedelta(days=1)).isoformat()}, "date"),
        ({"text": ""}, "text"),
    ],
    ids=["over-100-percent", "future-date", "no-text"],
)
def test_a_bad_progress_update_is_400(world, api_as, under_way, changes, field):
    response = api_as(world.users["community_worker"]).post(
        project_url(under_way, "updates"), update_body(**changes), format="multipart"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "city_admin"])
def test_progress_from_a_role_that_does_not_report_is_403(world, api_as, under_way, role):
    response = api_as(world.users[role]).post(
        project_url(under_way, "updates"), update_body(), format="multipart"
    )

    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("state", [S.APPROVED, S.COMPLETED])
def test_progress_on_a_project_not_under_way_is_409(world, api_as, state):
    project = a1_project(world, state)

    response = api_as(world.users["community_worker"]).post(
        project_url(project, "updates"), update_body(), format="multipart"
    )

    assert response.status_code == 409
    assert not ProgressUpdate.objects.exists()


def test_progress_on_a_project_out_of_scope_is_404(world, api_as):
    project = project_in(S.IN_PROGRESS, community=world.b1, by=world.users["city_admin"])

    response = api_as(world.users["town_staff"]).post(
        project_url(project, "updates"), update_body(), format="multipart"
    )

    assert response.status_code == 404
    assert not ProgressUpdate.objects.exists()


# --- resource suggestions ----------------------------------------------------------------------


def test_matches_rank_the_resources_within_reach_with_their_reasons(world, api_as):
    # given a1's project about street lighting and electric-vehicle charging
    worker = world.users["community_worker"]
    funds = resource(
        "全市路灯专项资金", category="funds", capacity_amount=Decimal("5000"), capacity_unit="元"
    )
    spaces = resource("东苑社区活动室", category="spaces", level=Resource.Level.COMMUNITY, community=world.a1)
    volunteers = resource(
        "城厢镇志愿服务队", category="volunteer_teams", level=Resource.Level.TOWN, town=world.town_a
    )
    resource("沙溪镇路灯基金", category="funds", level=Resource.Level.TOWN, town=world.town_b)
    resource("北泾村共建资金", category="funds", level=Resource.Level.COMMUNITY, community=world.b1)
    needs = [
        need_in(world.a1, by=worker, title="路灯不亮"),
        need_in(world.a1, by=worker, title="充电桩不够", category="ev_charging"),
    ]
    project = project_in(S.DRAFT, community=world.a1, by=worker, needs=needs)

    # when the matches are read
    response = api_as(world.users["town_staff"]).get(project_url(project, "matches"))

    # then the resources within reach come best first, each with its reasons
    assert response.status_code == 200
    items = response.json()
    assert [(i["resource"], i["name"], i["category"], i["level"]) for i in items] == [
        (funds.pk, "全市路灯专项资金", "funds", "city"),
        (spaces.pk, "东苑社区活动室", "spaces", "community"),
        (volunteers.pk, "城厢镇志愿服务队", "volunteer_teams", "town"),
    ]
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[1] > scores[2]
    assert all(isinstance(i["reasons"], list) and i["reasons"] for i in items)
    assert Decimal(items[0]["remaining"]) == Decimal("5000")
    assert (items[1]["remaining"], items[2]["remaining"]) == (None, None)


def test_matches_write_amounts_as_people_write_them(world, api_as):
    # given a city fund of 3,913,000 yuan of which 40 are committed to an active project
    worker = world.users["community_worker"]
    funds = resource("全市惠民资金", capacity_amount=Decimal("3913040"), capacity_unit="元")
    project_in(
        S.IN_PROGRESS, community=world.a2, by=world.users["city_admin"], resources={funds: Decimal("40")}
    )
    project = project_in(S.DRAFT, community=world.a1, by=worker)

    # when the worker asks for suggestions
    items = api_as(worker).get(project_url(project, "matches")).json()

    # then the reasons say 3,913,000 of 3,913,040, never 3.913E+6
    reasons = " ".join(next(i for i in items if i["resource"] == funds.pk)["reasons"])
    assert "3,913,000" in reasons and "3,913,040" in reasons
    assert "E+" not in reasons


def test_a_project_without_a_verdict_answers_null_for_it(world, api_as):
    project = a1_project(world, S.IN_PROGRESS)

    body = api_as(world.users["viewer"]).get(project_url(project)).json()

    assert body["verdict"] is None


@pytest.mark.parametrize("whose", ["a2", "b1"])
def test_scheduling_onto_another_communitys_day_is_answered_as_a_day_that_does_not_exist(
    world, api_as, whose
):
    # given a1's submission, and a coming decision day of a neighbour (a2) or of another town (b1)
    project = a1_project(world, S.SUBMITTED)
    day = decision_day_of(getattr(world, whose), by=world.users["city_admin"])
    staff = api_as(world.users["town_staff"])

    # when town A's staff schedule it onto that day, and onto an id that does not exist
    foreign = staff.post(project_url(project, "schedule"), {"decision_day": day.pk}, format="json")
    missing = staff.post(project_url(project, "schedule"), {"decision_day": 999999}, format="json")

    # then both answers are the same, naming nothing of the other community's day
    assert (foreign.status_code, missing.status_code) == (400, 400)
    assert foreign.json() == {
        "decision_day": [m.replace("999999", str(day.pk)) for m in missing.json()["decision_day"]]
    }
    assert day.place not in foreign.content.decode()
    assert fetch(project).state == S.SUBMITTED


def test_matches_of_a_project_out_of_scope_are_404(world, api_as):
    project = project_in(S.DRAFT, community=world.b1, by=world.users["city_admin"])

    assert api_as(world.users["community_worker"]).get(project_url(project, "matches")).status_code == 404


# --- resources ---------------------------------------------------------------------------------

RESOURCE_NAMES = {
    "city": "全市公益基金",
    "inactive": "停用的城市资源",
    "town_a": "城厢镇志愿服务队",
    "a1": "东苑社区活动室",
    "a2": "南湾社区活动室",
    "town_b": "沙溪镇共建基金",
    "b1": "北泾村文化礼堂",
}
RESOURCES_SEEN = {
    "city_admin": set(RESOURCE_NAMES),
    "viewer": set(RESOURCE_NAMES),
    "town_staff": {"city", "inactive", "town_a", "a1", "a2"},
    "community_worker": {"city", "inactive", "town_a", "a1"},
}


@pytest.fixture
def resources(world):
    def at(key):
        if key in ("city", "inactive"):
            return {"level": Resource.Level.CITY, "is_active": key == "city"}
        if key.startswith("town_"):
            return {"level": Resource.Level.TOWN, "town": getattr(world, key)}
        return {"level": Resource.Level.COMMUNITY, "community": getattr(world, key)}

    kinds = {"city": "funds", "town_a": "volunteer_teams", "town_b": "co_building_units"}
    return {
        key: resource(name, category=kinds.get(key, "spaces"), **at(key))
        for key, name in RESOURCE_NAMES.items()
    }


def resource_keys(response) -> set[str]:
    names = {row["name"] for row in response.json()["results"]}
    return {key for key, name in RESOURCE_NAMES.items() if name in names}


@pytest.mark.parametrize("role", ROLES)
def test_resource_list_returns_exactly_the_users_scope(resources, world, api_as, role):
    response = api_as(world.users[role]).get(RESOURCES_URL)

    assert response.status_code == 200
    assert resource_keys(response) == RESOURCES_SEEN[role]
    assert response.json()["count"] == len(RESOURCES_SEEN[role])


def test_resource_items_name_category_town_and_community_by_code(resources, world, api_as):
    rows = {row["name"]: row for row in api_as(world.users["viewer"]).get(RESOURCES_URL).json()["results"]}

    assert {k: rows["城厢镇志愿服务队"][k] for k in ("category", "level", "town", "community")} == {
        "category": "volunteer_teams",
        "level": "town",
        "town": "320585100",
        "community": None,
    }
    assert rows["北泾村文化礼堂"]["community"] == "320585101201"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"scope": "town"}, {"town_a", "town_b"}),
        ({"category": "spaces"}, {"inactive", "a1", "a2", "b1"}),
        ({"category": "spaces", "active": "true"}, {"a1", "a2", "b1"}),
        ({"community": "320585100001"}, {"a1"}),
        ({"town": "320585101"}, {"town_b"}),
        ({"q": "活动室"}, {"a1", "a2"}),
    ],
    ids=["scope", "category", "category-active", "community-code", "town-code", "q"],
)
def test_resource_list_filters(resources, world, api_as, params, expected):
    response = api_as(world.users["city_admin"]).get(RESOURCES_URL, params)

    assert response.status_code == 200
    assert resource_keys(response) == expected


def new_resource(**changes) -> dict:
    data = {
        "name": "新的资源",
        "category": "volunteer_teams",
        "level": "town",
        "capacity": "20人",
        "capacity_amount": "20",
        "capacity_unit": "人",
        "contact": "王老师",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("role", "changes", "town", "community"),
    [
        ("town_staff", {"level": "town", "town": "320585100"}, "320585100", None),
        ("town_staff", {"level": "community", "community": "320585100002"}, None, "320585100002"),
        ("community_worker", {"level": "community", "community": "320585100001"}, None, "320585100001"),
        ("city_admin", {"level": "city"}, None, None),
        ("city_admin", {"level": "town", "town": "320585101"}, "320585101", None),
    ],
)
def test_people_create_resources_for_the_places_they_keep(world, api_as, role, changes, town, community):
    response = api_as(world.users[role]).post(RESOURCES_URL, new_resource(**changes), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    created = Resource.objects.get(name="新的资源")
    assert (body["id"], body["level"], body["town"], body["community"]) == (
        created.pk,
        changes["level"],
        town,
        community,
    )
    assert (getattr(created.town, "code", None), getattr(created.community, "code", None)) == (
        town,
        community,
    )
    assert (created.category.code, created.capacity_amount) == ("volunteer_teams", Decimal("20"))


@pytest.mark.parametrize(
    ("role", "changes", "field"),
    [
        ("town_staff", {"level": "town", "town": "320585101"}, "town"),
        ("town_staff", {"level": "community", "community": "320585101201"}, "community"),
        ("community_worker", {"level": "community", "community": "320585100002"}, "community"),
        ("town_staff", {"level": "town", "town": "320585100", "category": "unknown"}, "category"),
        ("town_staff", {"level": "town"}, None),
    ],
    ids=["other-town", "other-towns-community", "neighbour-community", "unknown-category", "town-missing"],
)
def test_a_resource_for_an_unknown_place_or_category_is_400(world, api_as, role, changes, field):
    response = api_as(world.users[role]).post(RESOURCES_URL, new_resource(**changes), format="json")

    assert response.status_code == 400
    if field:
        assert field in response.json()
    assert not Resource.objects.exists()


def test_a_resource_for_another_towns_place_is_answered_as_a_place_that_does_not_exist(world, api_as):
    staff = api_as(world.users["town_staff"])

    foreign = staff.post(RESOURCES_URL, new_resource(level="town", town="320585101"), format="json")
    missing = staff.post(RESOURCES_URL, new_resource(level="town", town="320585999"), format="json")

    assert (foreign.status_code, missing.status_code) == (400, 400)
    assert foreign.json() == {"town": [m.replace("320585999", "320585101") for m in missing.json()["town"]]}
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("role", "changes"),
    [
        ("viewer", {"level": "city"}),
        ("viewer", {"level": "town", "town": "320585100"}),
        ("community_worker", {"level": "town", "town": "320585100"}),
        ("community_worker", {"level": "city"}),
        ("town_staff", {"level": "city"}),
    ],
)
def test_a_resource_wider_than_the_places_one_keeps_is_403(world, api_as, role, changes):
    response = api_as(world.users[role]).post(RESOURCES_URL, new_resource(**changes), format="json")

    assert response.status_code == 403
    assert not Resource.objects.exists()


def test_resource_categories_are_the_nine(world, api_as):
    response = api_as(world.users["viewer"]).get(CATEGORIES_URL)

    assert response.status_code == 200
    body = response.json()
    assert len(body) == 9
    assert {c["code"] for c in body} >= {"funds", "volunteer_teams", "spaces", "co_building_units"}
    assert {c["origin"] for c in body} == {"internal", "external"}


# --- queries per list --------------------------------------------------------------------------


def fresh(user):
    """Each request loads its user afresh (the scope is cached on the object)."""
    return type(user).objects.get(pk=user.pk)


def endpoint_queries(api_as, user, url, params):
    """The endpoint's queries (by main table, in order) for a freshly loaded user, and its body."""
    api = api_as(fresh(user))
    with capture() as queries:
        response = api.get(url, params)
    assert response.status_code == 200
    return tables(queries), response.json()


def grow_projects(world, n):
    """Projects in every community and several states, each with a need and a resource."""
    admin = world.users["city_admin"]
    communities = [world.a1, world.a2, world.b1, world.b2]
    states = [S.DRAFT, S.SUBMITTED, S.IN_PROGRESS, S.ACCEPTED]
    fund = Resource.objects.get_or_create(
        name="全市公益基金",
        defaults={"category": ResourceCategory.objects.get(code="funds"), "level": "city"},
    )[0]
    lighting = ProblemCategory.objects.get(code="street_lighting")
    for i in range(Project.objects.count(), n):
        community = communities[i % len(communities)]
        need = Need.objects.create(
            community=community,
            title=f"需求{i}",
            category=lighting,
            raised_on=date(2025, 1, 1),
            logged_by=admin,
        )
        project = Project.objects.create(
            community=community,
            year=2024 + i % 2,
            title=f"项目{i}",
            summary="摘要",
            proposer=admin,
            state=states[i % len(states)],
        )
        project.needs.add(need)
        ProjectResource.objects.create(project=project, resource=fund, committed_amount=Decimal("10"))


def grow_resources(world, n):
    places = [
        {"level": "city"},
        {"level": "town", "town": world.town_a},
        {"level": "town", "town": world.town_b},
        {"level": "community", "community": world.a1},
        {"level": "community", "community": world.a2},
        {"level": "community", "community": world.b1},
    ]
    kinds = list(ResourceCategory.objects.all())
    Resource.objects.bulk_create(
        [
            Resource(name=f"资源{i}", category=kinds[i % len(kinds)], **places[i % len(places)])
            for i in range(Resource.objects.count(), n)
        ]
    )


@pytest.mark.parametrize("role", ROLES)
def test_project_list_runs_the_same_queries_for_100_projects_as_for_10(world, api_as, role):
    expected = [
        "communities_membership",  # the user's scope
        "count:projects_project",  # the count
        "projects_project",  # the page of rows, community, town, type and proposer joined
        "needs_need",  # the needs of every project on the page, in one query
        "projects_projectresource",  # the resources of every project on the page, in one query
    ]
    for n in (10, 100):
        grow_projects(world, n)
        queries, body = endpoint_queries(api_as, world.users[role], PROJECTS_URL, {"page_size": 200})
        assert body["results"]
        assert queries == expected, n


@pytest.mark.parametrize("role", ROLES)
def test_resource_list_runs_the_same_queries_for_100_resources_as_for_10(world, api_as, role):
    expected = [
        "communities_membership",  # the user's scope
        # a community worker also sees the town's resources: the town of the community
        *(["communities_community"] if role == "community_worker" else []),
        "count:projects_resource",  # the count
        "projects_resource",  # the page of rows, category, town and community joined
    ]
    for n in (10, 100):
        grow_resources(world, n)
        queries, body = endpoint_queries(api_as, world.users[role], RESOURCES_URL, {"page_size": 200})
        assert body["results"]
        assert queries == expected, n


def test_the_100_projects_are_all_in_the_answer(world, api_as):
    grow_projects(world, 100)

    response = api_as(world.users["city_admin"]).get(PROJECTS_URL, {"page_size": 200})

    assert (response.json()["count"], len(response.json()["results"])) == (100, 100)
