"""Odd and hostile input on every projects page and endpoint: non-ASCII digits (²),
ids that do not exist or lie in another town, negative and huge numbers, NaN and
Infinity, dates in year 1 or 9999, text over its limit.

Each is answered 400 or 404 (a list page may show its filter form again with the
error, 200), never a server error, and nothing is written.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.inputs import NOTE_MAX, TEXT_MAX, TITLE_MAX
from needs.models import Need
from projects.models import (
    DecisionDay,
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectResource,
    Resource,
    ResourceCategory,
)
from tests.projects.factories import decision_day_of, need_in, project_in, resource

S = Project.State
HUGE = "1" + "0" * 22

# Values that name no record, whatever the kind ("foreign" is added per case: a real
# id of another town's record).
BAD_IDS = ["²", "99999", "-1", HUGE, "1e3", "abc", "0", " 1 1", "١٢"]
BAD_YEARS = ["²", "99999", "-1", HUGE, "2014", "1e3"]
BAD_AMOUNTS = ["NaN", "Infinity", "-Infinity", "1e30", "99999999999999", "-1", "²"]
BAD_COUNTS = ["²", "-1", HUGE, "NaN", "1.5"]
BAD_DATES = ["0001-01-01", "9999-12-31", "²", "2025-13-01"]


@pytest.fixture
def stage(world):
    """a1's projects in each state a form acts on, a1's and b1's decision days and
    needs, and resources of town A and town B."""
    worker, admin, staff = (world.users[k] for k in ("community_worker", "city_admin", "town_staff"))
    stage = {
        "draft": project_in(S.DRAFT, community=world.a1, by=worker, title="东苑草稿"),
        "submitted": project_in(S.SUBMITTED, community=world.a1, by=worker, title="东苑已提交"),
        "in_progress": project_in(S.IN_PROGRESS, community=world.a1, by=worker, title="东苑实施中"),
        "completed": project_in(S.COMPLETED, community=world.a1, by=worker, title="东苑已完成"),
        "b1_project": project_in(S.SUBMITTED, community=world.b1, by=admin, title="北泾项目"),
        "a1_day": decision_day_of(world.a1, by=staff),
        "a2_day": decision_day_of(world.a2, by=staff),
        "b1_day": decision_day_of(world.b1, by=admin),
        "free_need": need_in(world.a1, by=worker, title="东苑空闲需求"),
        "b1_need": need_in(world.b1, by=admin, title="北泾需求"),
        "city_funds": resource("全市资金", capacity_amount=Decimal("5000"), capacity_unit="元"),
        "b_funds": resource("沙溪镇资金", level=Resource.Level.TOWN, town=world.town_b),
    }
    return stage


def foreign(world, stage, kind) -> str:
    """A real id the acting user may not reach."""
    return str(
        {
            "community": world.b1.pk,
            "town": world.town_b.pk,
            "decision_day": stage["b1_day"].pk,
            "need": stage["b1_need"].pk,
            "resource": stage["b_funds"].pk,
            "project": stage["b1_project"].pk,
        }[kind]
    )


def written():
    """Everything a request could write, to compare before and after."""
    return (
        Project.objects.count(),
        Project.history.count(),
        sorted(Project.objects.values_list("pk", "state", "title", "decision_day_id")),
        ProjectEvent.objects.count(),
        ProjectResource.objects.count(),
        ProgressUpdate.objects.count(),
        DecisionDay.objects.count(),
        Resource.objects.count(),
        sorted(Need.objects.values_list("pk", "status")),
    )


def cases(values, kind=None):
    return [*values, *(["<foreign>"] if kind else [])]


def resolve(value, world, stage, kind):
    return foreign(world, stage, kind) if value == "<foreign>" else value


# --- pages: addresses ------------------------------------------------------------------------------

PAGE_FILTERS = [
    ("projects:list", "year", None, BAD_YEARS),
    ("projects:list", "town", "town", BAD_IDS),
    ("projects:list", "community", "community", BAD_IDS),
    ("projects:list", "type", None, ["²", "99999", "-1"]),
    ("projects:list", "category", None, ["²", "99999", HUGE]),
    ("projects:list", "state", None, ["²", "approved "]),
    ("projects:list", "excellent", None, ["²", "maybe"]),
    ("projects:list", "page", None, ["²", "-1", HUGE]),
    ("projects:resources", "category", None, ["²", "99999", HUGE]),
    ("projects:resources", "town", "town", BAD_IDS),
    ("projects:resources", "community", "community", BAD_IDS),
    ("projects:resources", "scope", None, ["²"]),
    ("projects:resources", "page", None, ["²", HUGE]),
    ("projects:decision_days", "page", None, ["²", HUGE]),
    ("projects:decision_day_create", "community", "community", BAD_IDS),
]


@pytest.mark.parametrize(
    ("name", "param", "value"),
    [(n, p, v) for n, p, kind, values in PAGE_FILTERS for v in cases(values, kind)],
)
def test_a_list_or_form_page_with_an_odd_value_in_its_address_answers_without_a_server_error(
    stage, world, client_as, name, param, value
):
    kind = next(k for n, p, k, _ in PAGE_FILTERS if (n, p) == (name, param))
    before = written()

    response = client_as(world.users["town_staff"]).get(
        reverse(name), {param: resolve(value, world, stage, kind)}
    )

    assert response.status_code in (200, 400, 404)
    assert stage["b1_project"].title not in response.content.decode()
    assert written() == before


@pytest.mark.parametrize("value", cases(BAD_IDS, "community"))
def test_the_new_project_form_for_an_unknown_community_is_not_found(stage, world, client_as, value):
    response = client_as(world.users["community_worker"]).get(
        reverse("projects:create"), {"community": resolve(value, world, stage, "community")}
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("param", "value"),
    [("community", v) for v in cases(BAD_IDS, "community")]
    + [("project", v) for v in cases(BAD_IDS, "project")],
)
def test_suggestions_for_an_unknown_community_or_project_are_not_found(stage, world, client_as, param, value):
    query = {"community": world.a1.pk, "needs": stage["free_need"].pk}
    query[param] = resolve(value, world, stage, param)

    response = client_as(world.users["town_staff"]).get(reverse("projects:matches"), query)

    assert response.status_code == 404


@pytest.mark.parametrize("value", cases(BAD_IDS, "need"))
def test_suggestions_ignore_ticked_needs_that_are_not_the_communitys(stage, world, client_as, value):
    response = client_as(world.users["town_staff"]).get(
        reverse("projects:matches"),
        {"community": world.a1.pk, "needs": [resolve(value, world, stage, "need")]},
    )

    assert response.status_code == 200
    assert 'data-testid="matches"' not in response.content.decode()


@pytest.mark.parametrize("pk", ["99999", HUGE])
@pytest.mark.parametrize(
    "name",
    ["projects:detail", "projects:edit", "projects:update_attachment", "projects:resource_edit"],
)
def test_a_page_for_an_id_that_does_not_exist_is_not_found(stage, world, client_as, name, pk):
    response = client_as(world.users["city_admin"]).get(reverse(name, args=[1]).replace("/1/", f"/{pk}/"))

    assert response.status_code == 404


# --- pages: forms ----------------------------------------------------------------------------------


def project_form(stage, **changes) -> dict:
    data = {
        "year": 2025,
        "title": "新的项目",
        "summary": "摘要",
        "budget_total": "1000",
        "budget_city": "1000",
        "budget_town": "0",
        "budget_community": "0",
        "budget_charity": "0",
        "budget_co_building": "0",
        "needs": [stage["free_need"].pk],
        "resources": [stage["city_funds"].pk],
        f"amount-{stage['city_funds'].pk}": "100",
    }
    data.update(changes)
    return data


PROJECT_FORM_CASES = (
    [("year", v, None) for v in BAD_YEARS]
    + [(field, v, None) for field in ("budget_total", "budget_city") for v in BAD_AMOUNTS]
    + [(field, v, None) for field in ("planned_start", "planned_end") for v in BAD_DATES]
    + [("beneficiaries", v, None) for v in BAD_COUNTS]
    + [("needs", v, "need") for v in cases(BAD_IDS, "need")]
    + [("resources", v, "resource") for v in cases(BAD_IDS, "resource")]
    + [("amount", v, None) for v in BAD_AMOUNTS]
    + [("title", "题" * (TITLE_MAX + 1), None), ("summary", "述" * (TEXT_MAX + 1), None)]
)


@pytest.mark.parametrize("target", ["create", "edit"])
@pytest.mark.parametrize(("field", "value", "kind"), PROJECT_FORM_CASES)
def test_a_project_form_with_an_odd_value_is_refused_and_nothing_written(
    stage, world, client_as, target, field, value, kind
):
    value = resolve(value, world, stage, kind)
    if field == "amount":
        field = f"amount-{stage['city_funds'].pk}"
    url = (
        reverse("projects:create")
        if target == "create"
        else reverse("projects:edit", args=[stage["draft"].pk])
    )
    before = written()

    response = client_as(world.users["community_worker"]).post(url, project_form(stage, **{field: value}))

    assert response.status_code == 400
    assert written() == before


PROGRESS_CASES = (
    [("date", v) for v in BAD_DATES]
    + [("percent", v) for v in [*BAD_COUNTS, "101"]]
    + [("text", "进" * (NOTE_MAX + 1))]
)


@pytest.mark.parametrize(("field", "value"), PROGRESS_CASES)
def test_a_progress_report_with_an_odd_value_is_refused_and_nothing_written(
    stage, world, client_as, field, value
):
    data = {"date": timezone.localdate().isoformat(), "percent": "40", "text": "进展", field: value}
    before = written()

    response = client_as(world.users["community_worker"]).post(
        reverse("projects:progress_add", args=[stage["in_progress"].pk]), data
    )

    assert response.status_code == 400
    assert written() == before


STEP_CASES = (
    [("schedule", "submitted", "town_staff", {"decision_day": v}, "decision_day") for v in BAD_IDS]
    + [("schedule", "submitted", "town_staff", {"decision_day": "<foreign>"}, "decision_day")]
    + [("accept", "completed", "town_staff", {"satisfaction": v, "verdict": "satisfied"}, None) for v in BAD_COUNTS]
    + [("accept", "completed", "town_staff", {"satisfaction": "5", "verdict": "²"}, None)]
    + [
        ("accept", "completed", "town_staff", {"satisfaction": "5", "verdict": "satisfied", "verdict_note": "注" * (NOTE_MAX + 1)}, None),
        ("complete", "in_progress", "community_worker", {"outcome": "果" * (TEXT_MAX + 1)}, None),
        ("return", "submitted", "town_staff", {"note": "因" * (NOTE_MAX + 1)}, None),
    ]
)  # fmt: skip


@pytest.mark.parametrize(("action", "key", "role", "data", "kind"), STEP_CASES)
def test_a_step_with_an_odd_value_is_refused_and_nothing_written(
    stage, world, client_as, action, key, role, data, kind
):
    data = {k: resolve(v, world, stage, kind) for k, v in data.items()}
    before = written()

    response = client_as(world.users[role]).post(
        reverse("projects:transition", args=[stage[key].pk, action]), data
    )

    assert response.status_code == 400
    assert written() == before


DAY_CASES = (
    [("community", v, "community") for v in cases(BAD_IDS, "community")]
    + [("date", v, None) for v in BAD_DATES]
    + [("place", "地" * 201, None)]
)


@pytest.mark.parametrize(("field", "value", "kind"), DAY_CASES)
def test_a_decision_day_form_with_an_odd_value_is_refused_and_nothing_written(
    stage, world, client_as, field, value, kind
):
    data = {
        "community": world.a1.pk,
        "date": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "place": "议事厅",
        "kind": DecisionDay.Kind.RESIDENTS_REPRESENTATIVES,
        field: resolve(value, world, stage, kind),
    }
    before = written()

    response = client_as(world.users["town_staff"]).post(reverse("projects:decision_day_create"), data)

    assert response.status_code in (200, 400)
    assert 'aria-invalid="true"' in response.content.decode()
    assert written() == before


RESOURCE_CASES = (
    [("category", v, None) for v in ["²", "99999", HUGE]]
    + [("provider", v, None) for v in ["²", "99999", HUGE]]
    + [("town", v, "town") for v in cases(BAD_IDS, "town")]
    + [("capacity_amount", v, None) for v in BAD_AMOUNTS]
)


@pytest.mark.parametrize(("field", "value", "kind"), RESOURCE_CASES)
def test_a_resource_form_with_an_odd_value_is_refused_and_nothing_written(
    stage, world, client_as, field, value, kind
):
    data = {
        "name": "新的资源",
        "category": ResourceCategory.objects.get(code="volunteer_teams").pk,
        "level": "town",
        "town": world.town_a.pk,
        "capacity_amount": "20",
        field: resolve(value, world, stage, kind),
    }
    before = written()

    response = client_as(world.users["town_staff"]).post(reverse("projects:resource_create"), data)

    assert response.status_code in (200, 400)
    assert (
        'aria-invalid="true"' in response.content.decode() or "invalid-feedback" in response.content.decode()
    )
    assert written() == before


# --- the API ---------------------------------------------------------------------------------------

API_FILTERS = [
    ("/api/v1/projects/", "year", None, BAD_YEARS),
    ("/api/v1/projects/", "town", "town", BAD_IDS),
    ("/api/v1/projects/", "community", "community", BAD_IDS),
    ("/api/v1/projects/", "type", None, ["²", "-1"]),
    ("/api/v1/projects/", "category", None, ["²", HUGE]),
    ("/api/v1/projects/", "state", None, ["²"]),
    ("/api/v1/projects/", "page", None, ["²", "-1", HUGE]),
    ("/api/v1/projects/", "page_size", None, ["²", HUGE]),
    ("/api/v1/resources/", "category", None, ["²", HUGE]),
    ("/api/v1/resources/", "town", "town", BAD_IDS),
    ("/api/v1/resources/", "community", "community", BAD_IDS),
]


@pytest.mark.parametrize(
    ("url", "param", "value"),
    [(u, p, v) for u, p, kind, values in API_FILTERS for v in cases(values, kind)],
)
def test_an_api_list_with_an_odd_filter_is_400_or_404(stage, world, api_as, url, param, value):
    kind = next(k for u, p, k, _ in API_FILTERS if (u, p) == (url, param))

    response = api_as(world.users["town_staff"]).get(url, {param: resolve(value, world, stage, kind)})

    # (an unreadable page size is ignored: the default page is answered)
    assert response.status_code in ((200,) if param == "page_size" else (400, 404))
    assert stage["b1_project"].title not in response.content.decode()


@pytest.mark.parametrize("pk", ["²", "99999", "-1", HUGE, "1e3"])
@pytest.mark.parametrize(
    "path",
    ["/api/v1/projects/{}/", "/api/v1/projects/{}/events/", "/api/v1/projects/{}/updates/",
     "/api/v1/projects/{}/matches/", "/api/v1/resources/{}/", "/api/v1/resource-categories/{}/"],
)  # fmt: skip
def test_an_api_object_that_does_not_exist_is_404(world, api_as, path, pk):
    assert api_as(world.users["city_admin"]).get(path.format(pk)).status_code == 404


def api_project(world, stage, **changes) -> dict:
    data = {
        "community": world.a1.pk,
        "year": 2025,
        "title": "新的项目",
        "summary": "摘要",
        "needs": [stage["free_need"].pk],
        "resources": [{"resource": stage["city_funds"].pk, "committed_amount": "100"}],
        "budget_total": "1000",
        "budget_city": "1000",
    }
    data.update(changes)
    return data


API_PROJECT_CASES = (
    [("community", v, "community") for v in cases(BAD_IDS, "community")]
    + [("needs", [v], "need") for v in cases(BAD_IDS, "need")]
    + [("resource", v, "resource") for v in cases(BAD_IDS, "resource")]
    + [("committed_amount", v, None) for v in BAD_AMOUNTS]
    + [("year", v, None) for v in [*BAD_YEARS, 10**22, -1, 99999]]
    + [("budget_total", v, None) for v in BAD_AMOUNTS]
    + [("planned_start", v, None) for v in BAD_DATES]
    + [("beneficiaries", v, None) for v in [*BAD_COUNTS, 10**22]]
    + [("title", "题" * (TITLE_MAX + 1), None), ("summary", "述" * (TEXT_MAX + 1), None)]
    + [("needs", "²", None), ("resources", "²", None), ("community", None, None), ("needs", [None], None)]
)


@pytest.mark.parametrize(("field", "value", "kind"), API_PROJECT_CASES)
def test_an_api_proposal_with_an_odd_value_is_400_and_nothing_written(
    stage, world, api_as, field, value, kind
):
    if isinstance(value, list):
        value = [resolve(v, world, stage, kind) for v in value]
    elif isinstance(value, str):
        value = resolve(value, world, stage, kind)
    data = api_project(world, stage)
    if field in ("resource", "committed_amount"):
        data["resources"][0][field] = value
    else:
        data[field] = value
    before = written()

    response = api_as(world.users["community_worker"]).post("/api/v1/projects/", data, format="json")

    assert response.status_code == 400
    assert written() == before


API_STEP_CASES = (
    [("schedule", "submitted", "town_staff", {"decision_day": v}, "decision_day") for v in cases(BAD_IDS, "decision_day")]
    + [("accept", "completed", "town_staff", {"satisfaction": v, "verdict": "satisfied"}, None) for v in [*BAD_COUNTS, 10**22, 0, 6]]
    + [("accept", "completed", "town_staff", {"satisfaction": 5, "verdict": v}, None) for v in ["²", "", None]]
    + [
        ("accept", "completed", "town_staff", {"satisfaction": 5, "verdict": "satisfied", "verdict_note": "注" * (NOTE_MAX + 1)}, None),
        ("complete", "in_progress", "community_worker", {"outcome": "果" * (TEXT_MAX + 1)}, None),
        ("return", "submitted", "town_staff", {"note": "因" * (NOTE_MAX + 1)}, None),
        ("return", "submitted", "town_staff", {"expected_state": "²", "note": "因"}, None),
    ]
)  # fmt: skip


@pytest.mark.parametrize(("action", "key", "role", "data", "kind"), API_STEP_CASES)
def test_an_api_step_with_an_odd_value_is_400_and_nothing_written(
    stage, world, api_as, action, key, role, data, kind
):
    data = {k: resolve(v, world, stage, kind) if isinstance(v, str) else v for k, v in data.items()}
    before = written()

    response = api_as(world.users[role]).post(
        f"/api/v1/projects/{stage[key].pk}/{action}/", data, format="json"
    )

    assert response.status_code == 400
    assert written() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("date", v) for v in BAD_DATES]
    + [("percent", v) for v in [*BAD_COUNTS, 101, 10**22]]
    + [("text", "进" * (NOTE_MAX + 1))],
)
def test_an_api_progress_report_with_an_odd_value_is_400_and_nothing_written(
    stage, world, api_as, field, value
):
    data = {"date": timezone.localdate().isoformat(), "percent": 40, "text": "进展", field: value}
    before = written()

    response = api_as(world.users["community_worker"]).post(
        f"/api/v1/projects/{stage['in_progress'].pk}/updates/", data, format="json"
    )

    assert response.status_code == 400
    assert written() == before


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [("category", v, None) for v in ["²", "99999", HUGE, None]]
    + [("provider", v, None) for v in ["²", "99999", HUGE]]
    + [("town", v, "town") for v in cases(BAD_IDS, "town")]
    + [("community", v, "community") for v in cases(BAD_IDS, "community")]
    + [("capacity_amount", v, None) for v in BAD_AMOUNTS]
    + [("name", "名" * 101, None)],
)
def test_an_api_resource_with_an_odd_value_is_400_and_nothing_written(
    stage, world, api_as, field, value, kind
):
    level = "community" if field == "community" else "town"
    data = {
        "name": "新的资源",
        "category": "volunteer_teams",
        "level": level,
        "town": world.town_a.code if level == "town" else None,
        "community": world.a1.code if level == "community" else None,
        "capacity_amount": "20",
        field: resolve(value, world, stage, kind) if isinstance(value, str) else value,
    }
    before = written()

    response = api_as(world.users["town_staff"]).post("/api/v1/resources/", data, format="json")

    assert response.status_code == 400
    assert written() == before
