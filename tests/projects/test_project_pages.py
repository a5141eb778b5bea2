"""Projects, decision days and resources on the HTML pages: which rows each role sees,
the filters and state counts of the project list, proposing and editing a project,
every step of the path from the page, progress reports and their attachments, the
resource suggestions, planning decision days, keeping resources, and the queries a
list page runs whatever its length.

Out of a user's scope a project, decision day, resource or community answers 404; in
scope, an action the role may not take answers 403; anonymous visitors are sent to the
login page. Assertions look at status codes, which rows (by title or name) a page
holds, data-testid markers, form errors (their presence, not their wording) and the
database, never at UI wording (the UI may be in Chinese or English).
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from communities.models import Role
from needs.models import Need, ProblemCategory
from projects.models import (
    DecisionDay,
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectResource,
    Resource,
    ResourceCategory,
)
from tests.factories import user_with_role
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

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


# --- helpers -----------------------------------------------------------------------------------


def messages_of(response, level) -> list:
    return [m for m in get_messages(response.wsgi_request) if m.level == level]


def section_of(content: str, testid: str, end: str) -> str:
    """The HTML from the element marked ``data-testid=testid`` up to the first ``end``."""
    marker = f'data-testid="{testid}"'
    assert marker in content, testid
    return content.split(marker, 1)[1].split(end, 1)[0]


def state_counts(content: str) -> dict[str, int]:
    """The counts shown in the state tabs, by state, and their total under "all"."""
    tabs = section_of(content, "state-counts", "</div>")
    counts = {
        state: int(n)
        for state, n in re.findall(r'state=(\w+)">[^<]*<span class="badge text-bg-light">(\d+)</span>', tabs)
    }
    (total,) = re.findall(r'<span class="badge text-bg-light">(\d+)</span>', tabs)[:1]
    return {**counts, "all": int(total)}


def offered(content: str, name: str) -> set[int]:
    """The ids offered as checkboxes called ``name`` on a form."""
    return {int(pk) for pk in re.findall(rf'type="checkbox" name="{name}" value="(\d+)"', content)}


def fetch(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


def category(code: str) -> ProblemCategory:
    return ProblemCategory.objects.get(code=code)


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


def listed(content: str) -> set[str]:
    """The fixture projects (by key) in the page's project table."""
    table = section_of(content, "project-table", "</table>")
    return {key for key, title in TITLES.items() if title in table}


# --- anonymous visitors ------------------------------------------------------------------------

ANONYMOUS_REQUESTS = {
    "list": ("get", lambda w, p: reverse("projects:list")),
    "detail": ("get", lambda w, p: reverse("projects:detail", args=[p["a1-draft"].pk])),
    "create": ("get", lambda w, p: reverse("projects:create")),
    "create-post": ("post", lambda w, p: reverse("projects:create")),
    "edit": ("get", lambda w, p: reverse("projects:edit", args=[p["a1-draft"].pk])),
    "matches": ("get", lambda w, p: reverse("projects:matches")),
    "submit": ("post", lambda w, p: reverse("projects:transition", args=[p["a1-draft"].pk, "submit"])),
    "progress": ("post", lambda w, p: reverse("projects:progress_add", args=[p["a1-progress"].pk])),
    "attachment": ("get", lambda w, p: reverse("projects:update_attachment", args=[1])),
    "decision-days": ("get", lambda w, p: reverse("projects:decision_days")),
    "decision-day-create": ("get", lambda w, p: reverse("projects:decision_day_create")),
    "resources": ("get", lambda w, p: reverse("projects:resources")),
    "resource-create": ("get", lambda w, p: reverse("projects:resource_create")),
    "resource-edit": ("get", lambda w, p: reverse("projects:resource_edit", args=[1])),
    "community-panel": ("get", lambda w, p: reverse("projects:community_panel", args=[w.a1.pk])),
}


@pytest.mark.parametrize(("method", "url"), list(ANONYMOUS_REQUESTS.values()), ids=list(ANONYMOUS_REQUESTS))
def test_anonymous_visitor_is_sent_to_the_login_page(projects, world, client, method, url):
    path = url(world, projects)

    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


def test_anonymous_posts_change_nothing(projects, world, client):
    draft = projects["a1-draft"]

    client.post(reverse("projects:transition", args=[draft.pk, "submit"]))
    client.post(reverse("projects:create"), {"year": 2025, "title": "匿名项目", "summary": "x"})

    assert fetch(draft).state == S.DRAFT
    assert Project.objects.count() == len(PROJECTS)


# --- the project list --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_project_list_shows_exactly_the_projects_of_the_users_scope(projects, world, client_as, role):
    # given one or two projects in each community
    # when a user opens the project list
    response = client_as(world.users[role]).get(reverse("projects:list"))

    # then they see exactly the projects of their communities
    assert response.status_code == 200
    assert listed(response.content.decode()) == KEYS_IN[role]


@pytest.mark.parametrize("role", ROLES)
def test_state_counts_count_each_project_of_the_scope_once(projects, world, client_as, role):
    # given a1's draft answers two needs (the count must not double it)
    expected = {}
    for key in KEYS_IN[role]:
        expected[PROJECTS[key][1]] = expected.get(PROJECTS[key][1], 0) + 1

    response = client_as(world.users[role]).get(reverse("projects:list"))

    assert state_counts(response.content.decode()) == {**expected, "all": len(KEYS_IN[role])}


PAGE_FILTERS = {
    "year-2024": (lambda w: {"year": 2024}, {"a1-progress", "b1-accepted"}),
    "year-none": (lambda w: {"year": 2023}, set()),
    "town-a-by-id": (lambda w: {"town": w.town_a.pk}, {"a1-draft", "a1-progress", "a2-submitted"}),
    "town-b-by-code": (lambda w: {"town": "320585101"}, {"b1-accepted", "b2-scheduled"}),
    "community-by-id": (lambda w: {"community": w.a2.pk}, {"a2-submitted"}),
    "community-by-code": (lambda w: {"community": "320585101201"}, {"b1-accepted"}),
    "type": (lambda w: {"type": "old_street"}, {"a2-submitted"}),
    "state": (lambda w: {"state": "scheduled"}, {"b2-scheduled"}),
    "category-one-project": (lambda w: {"category": "street_lighting"}, {"a1-draft"}),
    "category-two-projects": (lambda w: {"category": "ev_charging"}, {"a1-draft", "a1-progress"}),
    "excellent": (lambda w: {"excellent": "true"}, {"b1-accepted"}),
    "not-excellent": (
        lambda w: {"excellent": "false"},
        {"a1-draft", "a1-progress", "a2-submitted", "b2-scheduled"},
    ),
    "q-title": (lambda w: {"q": "东苑"}, {"a1-draft", "a1-progress"}),
    "q-summary": (lambda w: {"q": "照明"}, {"a1-draft"}),
    "town-and-year": (lambda w: {"town": w.town_a.pk, "year": 2025}, {"a1-draft", "a2-submitted"}),
}


@pytest.mark.parametrize(("params", "expected"), list(PAGE_FILTERS.values()), ids=list(PAGE_FILTERS))
def test_project_list_filters(projects, world, client_as, params, expected):
    response = client_as(world.users["city_admin"]).get(reverse("projects:list"), params(world))

    assert response.status_code == 200
    content = response.content.decode()
    assert listed(content) == expected
    assert state_counts(content)["all"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [lambda w: {"town": w.town_b.pk}, lambda w: {"community": w.b1.pk}, lambda w: {"community": w.b1.code}],
    ids=["town-b", "b1-by-id", "b1-by-code"],
)
def test_town_staff_cannot_reach_other_towns_projects_by_filtering_for_them(
    projects, world, client_as, params
):
    response = client_as(world.users["town_staff"]).get(reverse("projects:list"), params(world))

    assert response.status_code == 200
    assert listed(response.content.decode()) == set()
    assert state_counts(response.content.decode()) == {"all": 0}


def test_htmx_request_gets_the_table_with_the_same_scope(projects, world, client_as):
    response = client_as(world.users["town_staff"]).get(reverse("projects:list"), HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert listed(content) == {"a1-draft", "a1-progress", "a2-submitted"}


# --- a project's page --------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "key"), [(role, key) for role in ROLES for key in PROJECTS])
def test_project_page_opens_in_scope_and_is_not_found_outside(projects, world, client_as, role, key):
    project = projects[key]

    response = client_as(world.users[role]).get(reverse("projects:detail", args=[project.pk]))

    content = response.content.decode()
    if key in KEYS_IN[role]:
        assert response.status_code == 200
        assert project.title in section_of(content, "project-title", "</h1>")
    else:
        assert response.status_code == 404
        assert project.title not in content


# --- proposing a project -----------------------------------------------------------------------


@pytest.fixture
def choices(world):
    """What a1's worker may and may not pick for a new project.

    needs: a1's free open and escalated ones and one freed by a withdrawn project (offered);
    a1's need held by an active draft, a1's closed need, a2's and b1's open needs (not).
    resources: city-wide, town A's and a1's own (offered); a2's, town B's, b1's and an
    inactive city-wide one (not).
    """
    worker, admin = world.users["community_worker"], world.users["city_admin"]
    needs = {
        "free": need_in(world.a1, by=worker, title="东苑路灯不亮"),
        "escalated": need_in(world.a1, by=worker, title="东苑井盖松动", status=Need.Status.ESCALATED),
        "freed": need_in(world.a1, by=worker, title="东苑曾被撤回", category="ev_charging"),
        "held": need_in(world.a1, by=worker, title="东苑已被占用"),
        "closed": need_in(world.a1, by=worker, title="东苑已关闭", status=Need.Status.CLOSED),
        "a2": need_in(world.a2, by=admin, title="南湾路灯不亮"),
        "b1": need_in(world.b1, by=admin, title="北泾路灯不亮"),
    }
    project_in(S.DRAFT, community=world.a1, by=worker, needs=[needs["held"]], title="占用需求的项目")
    project_in(S.WITHDRAWN, community=world.a1, by=worker, needs=[needs["freed"]], title="已撤回的项目")
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


OFFERED_NEEDS = {"free", "escalated", "freed"}
OFFERED_RESOURCES = {"city", "town_a", "a1"}


def form_data(*, needs=(), links=None, **changes) -> dict:
    """The new-project form as a browser posts it; ``links``: resource → (amount, role)."""
    links = links or {}
    data = {
        "year": 2025,
        "title": "东苑夜间照明提升",
        "summary": "在主干道补装路灯",
        "budget_total": "10000",
        "budget_city": "6000",
        "budget_town": "0",
        "budget_community": "4000",
        "budget_charity": "0",
        "budget_co_building": "0",
        "needs": [n.pk for n in needs],
        "resources": [r.pk for r in links],
    }
    for r, (amount, role) in links.items():
        data[f"amount-{r.pk}"] = amount
        data[f"role-{r.pk}"] = role
    data.update(changes)
    return data


def test_new_project_form_offers_only_the_communitys_free_needs_and_reachable_resources(
    choices, world, client_as
):
    needs, resources = choices

    response = client_as(world.users["community_worker"]).get(reverse("projects:create"))

    content = response.content.decode()
    assert response.status_code == 200
    assert offered(content, "needs") == {needs[k].pk for k in OFFERED_NEEDS}
    assert offered(content, "resources") == {resources[k].pk for k in OFFERED_RESOURCES}


@pytest.mark.parametrize("role", NON_WORKERS)
def test_only_community_workers_open_the_new_project_form(choices, world, client_as, role):
    client = client_as(world.users[role])

    assert client.get(reverse("projects:create")).status_code == 403
    response = client.post(reverse("projects:create"), form_data(needs=[choices[0]["free"]]))

    assert response.status_code == 403
    assert not Project.objects.filter(title="东苑夜间照明提升").exists()


def test_worker_proposes_a_draft_with_the_ticked_needs_and_resources(choices, world, client_as):
    # given the worker ticks two needs and two resources, one without an amount
    needs, resources = choices
    worker = world.users["community_worker"]
    data = form_data(
        needs=[needs["free"], needs["escalated"]],
        links={resources["city"]: ("1000", "资金支持"), resources["a1"]: ("", "活动场地")},
    )

    # when the form is posted
    response = client_as(worker).post(reverse("projects:create"), data)

    # then a draft of a1 is stored with those needs and resources, and the page goes to it
    project = Project.objects.get(title="东苑夜间照明提升")
    assert response.status_code == 302
    assert response.url == reverse("projects:detail", args=[project.pk])
    assert (project.community, project.state, project.proposer, project.year) == (
        world.a1,
        S.DRAFT,
        worker,
        2025,
    )
    assert (project.budget_total, project.budget_city, project.budget_community) == (
        Decimal("10000"),
        Decimal("6000"),
        Decimal("4000"),
    )
    assert set(project.needs.all()) == {needs["free"], needs["escalated"]}
    assert {
        (link.resource_id, link.committed_amount, link.role) for link in project.resource_links.all()
    } == {(resources["city"].pk, Decimal("1000"), "资金支持"), (resources["a1"].pk, None, "活动场地")}
    assert list(project.events.values_list("action", "to_state", "actor")) == [("create", S.DRAFT, worker.pk)]
    assert not messages_of(response, messages.WARNING)


@pytest.mark.parametrize("which", ["a2", "b1", "held", "closed"])
def test_a_need_that_is_not_a_free_need_of_the_community_is_refused_and_nothing_written(
    choices, world, client_as, which
):
    needs, _ = choices
    before = Project.objects.count()

    response = client_as(world.users["community_worker"]).post(
        reverse("projects:create"), form_data(needs=[needs["free"], needs[which]])
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert Project.objects.count() == before
    assert not Project.objects.filter(title="东苑夜间照明提升").exists()


@pytest.mark.parametrize("which", ["a2", "town_b", "b1", "inactive"])
def test_a_resource_out_of_the_communitys_reach_is_refused_and_nothing_written(
    choices, world, client_as, which
):
    needs, resources = choices
    data = form_data(needs=[needs["free"]], links={resources[which]: ("100", "支持")})

    response = client_as(world.users["community_worker"]).post(reverse("projects:create"), data)

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Project.objects.filter(title="东苑夜间照明提升").exists()
    assert not ProjectResource.objects.filter(resource=resources[which]).exists()


@pytest.mark.parametrize(
    "amount",
    ["abc", "NaN", "Infinity", "-5", "99999999999999"],
    ids=["text", "nan", "infinity", "negative", "too-large"],
)
def test_an_amount_that_is_not_a_valid_number_is_refused_and_nothing_written(
    choices, world, client_as, amount
):
    needs, resources = choices
    data = form_data(needs=[needs["free"]], links={resources["town_a"]: (amount, "志愿服务")})

    response = client_as(world.users["community_worker"]).post(reverse("projects:create"), data)

    assert response.status_code == 400
    # Not a number: the error stands beside the box; out of the field's range: the service says so.
    beside = f'id="amount-{resources["town_a"].pk}-error-1"' in response.content.decode()
    assert beside or response.context["form"].non_field_errors()
    assert not Project.objects.filter(title="东苑夜间照明提升").exists()
    assert not ProjectResource.objects.filter(resource=resources["town_a"]).exists()


def test_an_amount_over_what_the_resource_has_left_is_saved_with_a_warning(choices, world, client_as):
    # given 4500 of the city fund's 5000 are committed to an active project
    needs, resources = choices
    worker = world.users["community_worker"]
    project_in(
        S.APPROVED, community=world.a2, by=world.users["city_admin"], resources={resources["city"]: 4500}
    )

    # when the worker commits 1000 more
    data = form_data(needs=[needs["free"]], links={resources["city"]: ("1000", "资金支持")})
    response = client_as(worker).post(reverse("projects:create"), data)

    # then the draft is saved with the commitment, and the worker is warned
    project = Project.objects.get(title="东苑夜间照明提升")
    assert response.status_code == 302
    assert project.resource_links.get().committed_amount == Decimal("1000")
    assert len(messages_of(response, messages.WARNING)) == 1


@pytest.mark.parametrize("community", ["abc", "1.5"])
def test_new_project_form_with_a_malformed_community_does_not_crash(choices, world, client_as, community):
    response = client_as(world.users["community_worker"]).get(
        reverse("projects:create"), {"community": community}
    )

    assert response.status_code in (200, 404)


def test_a_form_with_a_missing_title_is_shown_again_and_nothing_written(choices, world, client_as):
    needs, _ = choices

    response = client_as(world.users["community_worker"]).post(
        reverse("projects:create"), form_data(needs=[needs["free"]], title="")
    )

    assert response.status_code == 400
    assert "title" in response.context["form"].errors
    assert Project.objects.count() == 2  # the two of the fixture


# --- editing a draft ---------------------------------------------------------------------------


@pytest.fixture
def drafts(world):
    worker, admin = world.users["community_worker"], world.users["city_admin"]
    return {
        "a1": project_in(S.DRAFT, community=world.a1, by=worker, title="东苑草稿"),
        "a1-submitted": project_in(S.SUBMITTED, community=world.a1, by=worker, title="东苑已提交"),
        "a2": project_in(S.DRAFT, community=world.a2, by=admin, title="南湾草稿"),
        "b1": project_in(S.DRAFT, community=world.b1, by=admin, title="北泾草稿"),
    }


def test_worker_opens_the_edit_form_of_a_draft_with_its_own_needs_offered_and_ticked(
    drafts, world, client_as
):
    draft = drafts["a1"]
    (own,) = draft.needs.all()

    response = client_as(world.users["community_worker"]).get(reverse("projects:edit", args=[draft.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert own.pk in offered(content, "needs")
    assert re.search(rf'name="needs" value="{own.pk}" id="need-{own.pk}" checked', content)


def test_worker_edits_a_draft(drafts, world, client_as):
    draft = drafts["a1"]
    (own,) = draft.needs.all()
    extra = need_in(world.a1, by=world.users["community_worker"], title="东苑新需求")

    response = client_as(world.users["community_worker"]).post(
        reverse("projects:edit", args=[draft.pk]), form_data(needs=[own, extra], title="东苑草稿（修改）")
    )

    assert response.status_code == 302
    draft = fetch(draft)
    assert (draft.title, draft.state) == ("东苑草稿（修改）", S.DRAFT)
    assert set(draft.needs.all()) == {own, extra}


def test_editing_a_submitted_project_sends_the_worker_back_with_an_error(drafts, world, client_as):
    project = drafts["a1-submitted"]
    client = client_as(world.users["community_worker"])

    response = client.get(reverse("projects:edit", args=[project.pk]))
    posted = client.post(reverse("projects:edit", args=[project.pk]), form_data(title="改名"))

    assert response.status_code == 302
    assert response.url == reverse("projects:detail", args=[project.pk])
    assert messages_of(response, messages.ERROR)
    assert posted.status_code == 302
    assert fetch(project).title == "东苑已提交"


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        ("town_staff", "a1", 403),
        ("viewer", "a1", 403),
        ("city_admin", "a1", 403),
        ("town_staff", "b1", 404),
        ("community_worker", "a2", 404),
        ("community_worker", "b1", 404),
    ],
)
def test_only_the_communitys_worker_edits_its_draft(drafts, world, client_as, role, key, status):
    draft = drafts[key]
    client = client_as(world.users[role])

    response = client.get(reverse("projects:edit", args=[draft.pk]))
    posted = client.post(reverse("projects:edit", args=[draft.pk]), form_data(title="被改了"))

    assert (response.status_code, posted.status_code) == (status, status)
    assert fetch(draft).title == draft.title


# --- the project's path from its page -----------------------------------------------------------

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
    # only a decision day's recorded vote decides; no one does it from the page
    "approve": (S.SCHEDULED, S.APPROVED, set()),
    "reject": (S.SCHEDULED, S.REJECTED, set()),
    "defer": (S.SCHEDULED, S.DEFERRED, set()),
}


def step_post(action, world) -> dict:
    """What the page's form posts for each action."""
    if action == "return":
        return {"note": "预算来源不清，请补充"}
    if action == "schedule":
        return {"decision_day": decision_day_of(world.a1, by=world.users["town_staff"]).pk}
    if action == "complete":
        return {"outcome": "新装路灯12盏"}
    if action == "accept":
        return {"satisfaction": 4, "verdict": Project.Verdict.SATISFIED, "verdict_note": "居民满意"}
    return {}


def transition_url(project, action) -> str:
    return reverse("projects:transition", args=[project.pk, action])


@pytest.mark.parametrize(
    ("action", "role"),
    [(action, role) for action, (_, _, allowed) in STEPS.items() for role in sorted(allowed)],
)
def test_each_step_taken_by_the_role_it_belongs_to_moves_the_project(world, client_as, action, role):
    # given a1's project in the state the step starts from
    source, target, _ = STEPS[action]
    user = world.users[role]
    project = project_in(source, community=world.a1, by=world.users["community_worker"])
    data = {**step_post(action, world), "expected_state": source}

    # when the user presses the step's button
    response = client_as(user).post(transition_url(project, action), data)

    # then the project moves on, its path records the step, and the page shows the project again
    assert response.status_code == 302
    assert response.url == reverse("projects:detail", args=[project.pk])
    assert fetch(project).state == target
    event = ProjectEvent.objects.get(project=project)
    assert (event.action, event.from_state, event.to_state, event.actor) == (action, source, target, user)


@pytest.mark.parametrize(
    ("action", "role"),
    [(action, role) for action, (_, _, allowed) in STEPS.items() for role in ROLES if role not in allowed],
)
def test_a_step_the_role_may_not_take_is_forbidden_and_changes_nothing(world, client_as, action, role):
    # given a1's project in the state the step starts from, in the user's scope
    source, _, _ = STEPS[action]
    project = project_in(source, community=world.a1, by=world.users["community_worker"])

    # when a user whose role does not take this step posts it
    response = client_as(world.users[role]).post(transition_url(project, action), step_post(action, world))

    # then the page answers 403 (the service's refusal is not turned into a message)
    assert response.status_code == 403
    assert fetch(project).state == source
    assert not ProjectEvent.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("action", "role"),
    [("submit", "community_worker"), ("return", "town_staff"), ("accept", "town_staff")],
)
def test_a_step_on_a_project_out_of_scope_is_not_found(world, client_as, action, role):
    source = STEPS[action][0]
    project = project_in(source, community=world.b1, by=world.users["city_admin"])

    response = client_as(world.users[role]).post(transition_url(project, action), step_post(action, world))

    assert response.status_code == 404
    assert fetch(project).state == source


def test_a_step_sent_from_a_stale_page_is_refused_with_an_error_and_changes_nothing(world, client_as):
    # given the worker's page showed a draft, but the project has been submitted since
    worker = world.users["community_worker"]
    project = project_in(S.SUBMITTED, community=world.a1, by=worker)

    # when the worker withdraws from that page
    response = client_as(worker).post(transition_url(project, "withdraw"), {"expected_state": S.DRAFT})

    # then nothing changes and the worker is told
    assert response.status_code == 302
    assert messages_of(response, messages.ERROR)
    assert fetch(project).state == S.SUBMITTED
    assert not ProjectEvent.objects.filter(project=project).exists()


def test_a_step_the_state_does_not_allow_is_refused_with_an_error(world, client_as):
    worker = world.users["community_worker"]
    project = project_in(S.IN_PROGRESS, community=world.a1, by=worker)

    response = client_as(worker).post(transition_url(project, "submit"))

    assert response.status_code == 302
    assert messages_of(response, messages.ERROR)
    assert fetch(project).state == S.IN_PROGRESS


def day_of(key, days_ahead=14):
    return lambda w: {
        "decision_day": decision_day_of(getattr(w, key), by=w.users["town_staff"], days_ahead=days_ahead).pk
    }


BAD_STEPS = {
    "return-without-note": ("return", "town_staff", lambda w: {"note": "  "}, "note"),
    "schedule-on-another-communitys-day": ("schedule", "town_staff", day_of("a2"), "decision_day"),
    "schedule-on-a-past-day": ("schedule", "town_staff", day_of("a1", days_ahead=-1), "decision_day"),
    "schedule-without-a-day": ("schedule", "town_staff", lambda w: {}, "decision_day"),
    "complete-without-outcome": ("complete", "community_worker", lambda w: {"outcome": ""}, "outcome"),
    "accept-satisfaction-6": (
        "accept",
        "town_staff",
        lambda w: {"satisfaction": 6, "verdict": "satisfied"},
        "satisfaction",
    ),
    "accept-unknown-verdict": (
        "accept",
        "town_staff",
        lambda w: {"satisfaction": 4, "verdict": "so-so"},
        "verdict",
    ),
}


def invalid_fields(content: str) -> set[str]:
    """The names of the inputs a page marks invalid (an error shown beside each)."""
    return {
        name
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", content)
        if 'aria-invalid="true"' in tag
        for name in re.findall(r'name="([^"]+)"', tag)
    }


@pytest.mark.parametrize(("action", "role", "data", "field"), list(BAD_STEPS.values()), ids=list(BAD_STEPS))
def test_a_step_with_missing_or_bad_data_is_shown_again_with_the_error_beside_its_field(
    world, client_as, action, role, data, field
):
    source = STEPS[action][0]
    project = project_in(source, community=world.a1, by=world.users["community_worker"])

    response = client_as(world.users[role]).post(transition_url(project, action), data(world))

    assert response.status_code == 400
    content = response.content.decode()
    assert invalid_fields(content) == {field}
    assert "invalid-feedback" in content
    assert fetch(project).state == source
    assert not ProjectEvent.objects.filter(project=project).exists()


def test_a_malformed_decision_day_is_refused_rather_than_crashing(world, client_as):
    project = project_in(S.SUBMITTED, community=world.a1, by=world.users["community_worker"])

    response = client_as(world.users["town_staff"]).post(
        transition_url(project, "schedule"), {"decision_day": "abc"}
    )

    assert response.status_code in (302, 400)
    assert fetch(project).state == S.SUBMITTED


def test_an_unknown_action_is_not_found(world, client_as):
    worker = world.users["community_worker"]
    project = project_in(S.DRAFT, community=world.a1, by=worker)

    response = client_as(worker).post(transition_url(project, "publish"))

    assert response.status_code == 404
    assert fetch(project).state == S.DRAFT


def test_a_step_is_not_taken_by_a_get(world, client_as):
    worker = world.users["community_worker"]
    project = project_in(S.DRAFT, community=world.a1, by=worker)

    response = client_as(worker).get(transition_url(project, "submit"))

    assert response.status_code == 405
    assert fetch(project).state == S.DRAFT


@pytest.mark.parametrize(
    ("state", "role", "shown"),
    [
        (S.DRAFT, "community_worker", {"submit", "withdraw"}),
        (S.DRAFT, "town_staff", set()),
        (S.SUBMITTED, "community_worker", {"withdraw"}),
        (S.SUBMITTED, "town_staff", {"schedule", "return"}),
        (S.SUBMITTED, "city_admin", set()),
        (S.SCHEDULED, "town_staff", set()),
        (S.SCHEDULED, "city_admin", set()),
        (S.APPROVED, "community_worker", {"start"}),
        (S.IN_PROGRESS, "community_worker", {"complete"}),
        (S.COMPLETED, "city_admin", {"accept"}),
        (S.COMPLETED, "community_worker", set()),
        (S.COMPLETED, "viewer", set()),
    ],
)
def test_project_page_shows_the_buttons_of_the_steps_the_user_may_take(world, client_as, state, role, shown):
    project = project_in(state, community=world.a1, by=world.users["community_worker"])

    response = client_as(world.users[role]).get(reverse("projects:detail", args=[project.pk]))

    assert response.status_code == 200
    buttons = set(re.findall(r'data-testid="action-([a-z_]+)"', response.content.decode()))
    assert buttons == shown


# --- progress reports --------------------------------------------------------------------------


@pytest.fixture
def under_way(world):
    return project_in(S.IN_PROGRESS, community=world.a1, by=world.users["community_worker"])


def progress_post(**changes) -> dict:
    return {"date": timezone.localdate().isoformat(), "percent": 40, "text": "已完成管线铺设", **changes}


@pytest.mark.parametrize("role", ["community_worker", "town_staff"])
def test_worker_and_town_staff_report_progress_with_a_photo(
    settings, tmp_path, world, client_as, under_way, role
):
    settings.MEDIA_ROOT = tmp_path
    worker = world.users[role]
    photo = SimpleUploadedFile("工地.jpg", JPEG, content_type="image/jpeg")

    response = client_as(worker).post(
        reverse("projects:progress_add", args=[under_way.pk]), progress_post(attachment=photo)
    )

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.project, update.percent, update.text, update.created_by) == (
        under_way,
        40,
        "已完成管线铺设",
        worker,
    )
    with update.attachment.open("rb") as stored:
        assert stored.read() == JPEG


def test_an_attachment_that_is_not_what_its_name_says_is_refused_and_nothing_saved(
    settings, tmp_path, world, client_as, under_way
):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not a photo", content_type="image/jpeg")

    response = client_as(world.users["community_worker"]).post(
        reverse("projects:progress_add", args=[under_way.pk]), progress_post(attachment=fake)
    )

    assert response.status_code == 400
    assert invalid_fields(response.content.decode()) == {"attachment"}
    assert not ProgressUpdate.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.parametrize(
    "changes",
    [{"percent": 101}, {"date": (timezone.localdate() + timedelta(days=1)).isoformat()}, {"text": ""}],
    ids=["over-100-percent", "future-date", "no-text"],
)
def test_a_bad_progress_report_is_shown_again_with_the_error_beside_its_field(
    world, client_as, under_way, changes
):
    response = client_as(world.users["community_worker"]).post(
        reverse("projects:progress_add", args=[under_way.pk]), progress_post(**changes)
    )

    assert response.status_code == 400
    assert invalid_fields(response.content.decode()) == set(changes)
    assert not ProgressUpdate.objects.exists()


def test_progress_on_a_project_not_under_way_is_refused_with_an_error(world, client_as):
    worker = world.users["community_worker"]
    project = project_in(S.APPROVED, community=world.a1, by=worker)

    response = client_as(worker).post(reverse("projects:progress_add", args=[project.pk]), progress_post())

    assert response.status_code == 302
    assert messages_of(response, messages.ERROR)
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("city_admin", 403)])
def test_progress_from_a_role_that_does_not_report_is_forbidden(world, client_as, under_way, role, status):
    response = client_as(world.users[role]).post(
        reverse("projects:progress_add", args=[under_way.pk]), progress_post()
    )

    assert response.status_code == status
    assert not ProgressUpdate.objects.exists()


def test_progress_on_a_project_out_of_scope_is_not_found(world, client_as):
    project = project_in(S.IN_PROGRESS, community=world.b1, by=world.users["city_admin"])

    response = client_as(world.users["town_staff"]).post(
        reverse("projects:progress_add", args=[project.pk]), progress_post()
    )

    assert response.status_code == 404
    assert not ProgressUpdate.objects.exists()


@pytest.fixture
def attachments(settings, tmp_path, world):
    """A PDF reported on a1's project and one on b1's."""
    settings.MEDIA_ROOT = tmp_path
    b1_worker = user_with_role(Role.COMMUNITY_WORKER, community=world.b1, username="worker_b1")
    updates = {}
    for key, community, by in (
        ("a1", world.a1, world.users["community_worker"]),
        ("b1", world.b1, b1_worker),
    ):
        project = project_in(S.IN_PROGRESS, community=community, by=by, title=f"{key}施工")
        updates[key] = ProgressUpdate.objects.create(
            project=project,
            date=date(2025, 3, 1),
            text="进度",
            percent=50,
            attachment=SimpleUploadedFile(f"{key}-报告.pdf", PDF),
            created_by=by,
        )
    return updates


@pytest.mark.parametrize(("role", "key"), [(role, key) for role in ROLES for key in ("a1", "b1")])
def test_an_attachment_is_served_to_those_who_may_read_its_project_only(
    attachments, world, client_as, role, key
):
    response = client_as(world.users[role]).get(
        reverse("projects:update_attachment", args=[attachments[key].pk])
    )

    if key in SCOPE[role]:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    else:
        assert response.status_code == 404


def test_an_update_without_an_attachment_has_no_file(world, client_as, under_way):
    update = ProgressUpdate.objects.create(
        project=under_way,
        date=date(2025, 3, 1),
        text="进度",
        percent=10,
        created_by=world.users["community_worker"],
    )

    response = client_as(world.users["city_admin"]).get(
        reverse("projects:update_attachment", args=[update.pk])
    )

    assert response.status_code == 404


# --- resource suggestions ----------------------------------------------------------------------


@pytest.fixture
def catalogue(world):
    """Resources within a1's reach of three kinds, and two out of it."""
    return {
        "funds": resource("全市路灯专项资金", category="funds"),  # fits street lighting best
        "spaces": resource(
            "东苑社区活动室", category="spaces", level=Resource.Level.COMMUNITY, community=world.a1
        ),
        "volunteers": resource(
            "城厢镇志愿服务队", category="volunteer_teams", level=Resource.Level.TOWN, town=world.town_a
        ),  # fits neighbour disputes a little
        "town_b": resource("沙溪镇路灯基金", category="funds", level=Resource.Level.TOWN, town=world.town_b),
        "b1": resource(
            "北泾村共建资金", category="funds", level=Resource.Level.COMMUNITY, community=world.b1
        ),
    }


def suggested(response) -> list[int]:
    """The suggested resources' ids, best first."""
    ranked = section_of(response.content.decode(), "matches", "</ol>")
    return [int(pk) for pk in re.findall(r'data-use-resource="(\d+)"', ranked)]


def matches_url(community, *needs) -> str:
    query = "&".join([f"community={community.pk}"] + [f"needs={n.pk}" for n in needs])
    return f"{reverse('projects:matches')}?{query}"


def test_suggestions_rank_the_resources_within_reach_for_the_communitys_needs(catalogue, world, client_as):
    worker = world.users["community_worker"]
    lighting = need_in(world.a1, by=worker, title="路灯不亮")
    charging = need_in(world.a1, by=worker, title="充电桩不够", category="ev_charging")

    response = client_as(worker).get(matches_url(world.a1, lighting, charging))

    # funds fit both needs best; spaces fit charging; volunteers fit neither (but are the town's)
    assert response.status_code == 200
    assert suggested(response) == [catalogue["funds"].pk, catalogue["spaces"].pk, catalogue["volunteers"].pk]


def test_suggestions_ignore_needs_of_another_community(catalogue, world, client_as):
    # given an a1 need about street lighting and a b1 need about neighbour disputes, which
    # would lift the volunteer team above the activity room
    worker = world.users["community_worker"]
    lighting = need_in(world.a1, by=worker, title="路灯不亮")
    foreign = need_in(world.b1, by=world.users["city_admin"], title="邻里纠纷", category="neighbour_disputes")
    client = client_as(worker)

    alone = client.get(matches_url(world.a1, lighting))
    mixed = client.get(matches_url(world.a1, lighting, foreign))
    only_foreign = client.get(matches_url(world.a1, foreign))

    assert (
        suggested(mixed)
        == suggested(alone)
        == [
            catalogue["funds"].pk,
            catalogue["spaces"].pk,
            catalogue["volunteers"].pk,
        ]
    )
    assert only_foreign.status_code == 200
    assert 'data-testid="matches"' not in only_foreign.content.decode()


@pytest.mark.parametrize(
    ("role", "key"), [("community_worker", "a2"), ("community_worker", "b1"), ("town_staff", "b1")]
)
def test_suggestions_for_a_community_out_of_scope_are_not_found(catalogue, world, client_as, role, key):
    community = getattr(world, key)
    need = need_in(community, by=world.users["city_admin"], title="路灯不亮")

    response = client_as(world.users[role]).get(matches_url(community, need))

    assert response.status_code == 404


@pytest.mark.parametrize("community", ["", "abc"])
def test_suggestions_without_a_valid_community_are_not_found(world, client_as, community):
    response = client_as(world.users["city_admin"]).get(reverse("projects:matches"), {"community": community})

    assert response.status_code == 404


# --- decision days -----------------------------------------------------------------------------

PLACES = {"a1": "东苑党群服务中心", "a2": "南湾议事厅", "b1": "北泾村委会", "b2": "西浜文化礼堂"}


@pytest.fixture
def days(world):
    return {
        key: DecisionDay.objects.create(
            community=getattr(world, key),
            date=date(2025, 6, 1),
            place=place,
            kind=DecisionDay.Kind.RESIDENTS_ASSEMBLY,
            created_by=world.users["city_admin"],
        )
        for key, place in PLACES.items()
    }


@pytest.mark.parametrize("role", ROLES)
def test_decision_day_list_shows_exactly_the_days_of_the_users_scope(days, world, client_as, role):
    response = client_as(world.users[role]).get(reverse("projects:decision_days"))

    content = response.content.decode()
    assert response.status_code == 200
    assert {key for key, place in PLACES.items() if place in content} == SCOPE[role]


def test_decision_day_list_shows_each_days_agenda(days, world, client_as):
    project = project_in(
        S.SCHEDULED, community=world.a1, by=world.users["community_worker"], title="东苑议题"
    )
    Project.objects.filter(pk=project.pk).update(decision_day=days["a1"])

    response = client_as(world.users["town_staff"]).get(reverse("projects:decision_days"))

    assert reverse("projects:detail", args=[project.pk]) in response.content.decode()


def day_post(community, **changes) -> dict:
    return {
        "community": community.pk,
        "date": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "place": "社区议事厅",
        "kind": DecisionDay.Kind.RESIDENTS_REPRESENTATIVES,
        **changes,
    }


def offered_communities(content: str) -> set[int]:
    select = content.split('name="community"', 1)[1].split("</select>", 1)[0]
    return {int(pk) for pk in re.findall(r'<option value="(\d+)"', select)}


def test_town_staff_are_offered_only_their_towns_communities(world, client_as):
    response = client_as(world.users["town_staff"]).get(reverse("projects:decision_day_create"))

    assert response.status_code == 200
    assert offered_communities(response.content.decode()) == {world.a1.pk, world.a2.pk}


@pytest.mark.parametrize(("role", "key"), [("town_staff", "a1"), ("town_staff", "a2"), ("city_admin", "b1")])
def test_town_staff_and_city_admins_plan_a_decision_day(world, client_as, role, key):
    community = getattr(world, key)

    response = client_as(world.users[role]).post(reverse("projects:decision_day_create"), day_post(community))

    assert response.status_code == 302
    assert response.url == reverse("projects:decision_days")
    day = DecisionDay.objects.get()
    assert (day.community, day.state, day.created_by, day.date) == (
        community,
        DecisionDay.State.PLANNED,
        world.users[role],
        timezone.localdate() + timedelta(days=10),
    )


@pytest.mark.parametrize(
    ("key", "changes", "field"),
    [
        ("a1", {"date": (timezone.localdate() - timedelta(days=1)).isoformat()}, "date"),
        ("b1", {}, "community"),
        ("a1", {"place": ""}, "place"),
    ],
    ids=["past-date", "other-towns-community", "no-place"],
)
def test_a_decision_day_in_the_past_or_elsewhere_is_a_form_error(world, client_as, key, changes, field):
    response = client_as(world.users["town_staff"]).post(
        reverse("projects:decision_day_create"), day_post(getattr(world, key), **changes)
    )

    assert response.status_code == 400  # the form comes back with the error beside its field
    assert field in response.context["form"].errors
    assert not DecisionDay.objects.exists()


def test_after_planning_the_page_returns_only_to_a_project_page(world, client_as):
    client = client_as(world.users["town_staff"])
    url = reverse("projects:decision_day_create")

    inside = client.post(f"{url}?next=/projects/7/", day_post(world.a1))
    outside = client.post(f"{url}?next=https://example.com/", day_post(world.a2))

    day = DecisionDay.objects.get(community=world.a1)
    assert inside.url == f"/projects/7/?decision_day={day.pk}"
    assert outside.url == reverse("projects:decision_days")


def test_back_on_the_project_the_day_just_planned_is_the_one_offered(world, client_as):
    worker, staff = world.users["community_worker"], world.users["town_staff"]
    project = project_in(S.SUBMITTED, community=world.a1, by=worker)
    earlier = decision_day_of(world.a1, by=staff, days_ahead=7)
    client = client_as(staff)
    url = reverse("projects:decision_day_create") + f"?next=/projects/{project.pk}/"

    back = client.post(url, day_post(world.a1))
    page = client.get(back.url).content.decode()

    planned = DecisionDay.objects.exclude(pk=earlier.pk).get(community=world.a1)
    assert f'<option value="{planned.pk}" selected>' in page
    assert f'<option value="{earlier.pk}" selected>' not in page


def test_scheduling_says_on_which_days_agenda_the_project_is(world, client_as):
    worker, staff = world.users["community_worker"], world.users["town_staff"]
    project = project_in(S.SUBMITTED, community=world.a1, by=worker)
    day = decision_day_of(world.a1, by=staff, days_ahead=7)

    response = client_as(staff).post(
        reverse("projects:transition", args=[project.pk, "schedule"]),
        {"decision_day": day.pk, "expected_state": "submitted"},
        follow=True,
    )

    shown = [str(m) for m in response.context["messages"]]
    assert any(f"{day.date.year}年{day.date.month}月{day.date.day}日" in m for m in shown), shown


@pytest.mark.parametrize("role", ["community_worker", "viewer"])
def test_workers_and_viewers_do_not_plan_decision_days(world, client_as, role):
    client = client_as(world.users[role])

    assert client.get(reverse("projects:decision_day_create")).status_code == 403
    response = client.post(reverse("projects:decision_day_create"), day_post(world.a1))

    assert response.status_code == 403
    assert not DecisionDay.objects.exists()


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

    return {key: resource(name, category="charity", **at(key)) for key, name in RESOURCE_NAMES.items()}


def resources_listed(content: str) -> set[str]:
    table = section_of(content, "resource-table", "</table>")
    return {key for key, name in RESOURCE_NAMES.items() if name in table}


@pytest.mark.parametrize("role", ROLES)
def test_resource_list_shows_exactly_the_resources_of_the_users_scope(resources, world, client_as, role):
    response = client_as(world.users[role]).get(reverse("projects:resources"))

    assert response.status_code == 200
    assert resources_listed(response.content.decode()) == RESOURCES_SEEN[role]


@pytest.mark.parametrize(
    ("role", "editable"),
    [
        ("city_admin", set(RESOURCE_NAMES)),
        ("viewer", set()),
        ("town_staff", {"town_a", "a1", "a2"}),
        ("community_worker", {"a1"}),
    ],
)
def test_resource_list_links_the_edit_page_of_the_resources_the_user_keeps(
    resources, world, client_as, role, editable
):
    response = client_as(world.users[role]).get(reverse("projects:resources"))

    content = response.content.decode()
    linked = {
        key for key, r in resources.items() if reverse("projects:resource_edit", args=[r.pk]) in content
    }
    assert linked == editable


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"scope": "town"}, {"town_a", "town_b"}),
        ({"category": "charity", "q": "活动室"}, {"a1", "a2"}),
        ({"category": "funds"}, set()),
    ],
    ids=["scope", "category-and-q", "empty-category"],
)
def test_resource_list_filters(resources, world, client_as, params, expected):
    response = client_as(world.users["city_admin"]).get(reverse("projects:resources"), params)

    assert resources_listed(response.content.decode()) == expected


def resource_post(**fields) -> dict:
    return {
        "name": "新的资源",
        "category": ResourceCategory.objects.get(code="volunteer_teams").pk,
        "capacity": "20人",
        "capacity_amount": "20",
        "capacity_unit": "人",
        "contact": "王老师",
        "is_active": "on",
        **fields,
    }


@pytest.mark.parametrize(
    ("role", "level", "place"),
    [
        ("town_staff", "town", "town_a"),
        ("town_staff", "community", "a2"),
        ("community_worker", "community", "a1"),
        ("city_admin", "city", None),
        ("city_admin", "town", "town_b"),
    ],
)
def test_people_create_resources_for_the_places_they_keep(world, client_as, role, level, place):
    place_field = {"town": "town", "community": "community"}.get(level)
    fields = {"level": level}
    if place_field:
        fields[place_field] = getattr(world, place).pk

    response = client_as(world.users[role]).post(reverse("projects:resource_create"), resource_post(**fields))

    assert response.status_code == 302
    created = Resource.objects.get(name="新的资源")
    assert created.level == level
    assert (created.town, created.community) == (
        getattr(world, place) if level == "town" else None,
        getattr(world, place) if level == "community" else None,
    )
    assert created.capacity_amount == Decimal("20")


@pytest.mark.parametrize(
    ("role", "level", "place", "field"),
    [
        ("town_staff", "town", "town_b", "town"),
        ("town_staff", "community", "b1", "community"),
        ("community_worker", "community", "a2", "community"),
        ("community_worker", "community", "b1", "community"),
    ],
)
def test_a_resource_for_a_place_out_of_reach_is_a_form_error(world, client_as, role, level, place, field):
    fields = {"level": level, field: getattr(world, place).pk}

    response = client_as(world.users[role]).post(reverse("projects:resource_create"), resource_post(**fields))

    assert response.status_code == 400  # the form comes back with the error beside its field
    assert field in response.context["form"].errors
    assert not Resource.objects.filter(name="新的资源").exists()


@pytest.mark.parametrize(
    ("role", "level", "place"),
    [
        ("community_worker", "town", "town_a"),
        ("community_worker", "city", None),
        ("town_staff", "city", None),
    ],
)
def test_a_resource_wider_than_the_places_one_keeps_is_forbidden(world, client_as, role, level, place):
    fields = {"level": level}
    if place:
        fields["town"] = getattr(world, place).pk

    response = client_as(world.users[role]).post(reverse("projects:resource_create"), resource_post(**fields))

    assert response.status_code == 403
    assert not Resource.objects.filter(name="新的资源").exists()


def test_viewers_do_not_create_resources(world, client_as):
    client = client_as(world.users["viewer"])

    assert client.get(reverse("projects:resource_create")).status_code == 403
    response = client.post(reverse("projects:resource_create"), resource_post(level="city"))

    assert response.status_code == 403
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        ("town_staff", "town_b", 404),
        ("town_staff", "b1", 404),
        ("community_worker", "a2", 404),
        ("town_staff", "city", 403),
        ("community_worker", "town_a", 403),
        ("viewer", "a1", 403),
        ("town_staff", "town_a", 200),
        ("town_staff", "a1", 200),
        ("community_worker", "a1", 200),
        ("city_admin", "b1", 200),
    ],
)
def test_resource_edit_page_opens_only_for_those_who_keep_the_resource(
    resources, world, client_as, role, key, status
):
    response = client_as(world.users[role]).get(reverse("projects:resource_edit", args=[resources[key].pk]))

    assert response.status_code == status


def test_town_staff_rename_their_towns_resource(resources, world, client_as):
    target = resources["town_a"]
    data = resource_post(name="城厢镇青年志愿队", level="town", town=world.town_a.pk)

    response = client_as(world.users["town_staff"]).post(
        reverse("projects:resource_edit", args=[target.pk]), data
    )

    assert response.status_code == 302
    assert Resource.objects.get(pk=target.pk).name == "城厢镇青年志愿队"


@pytest.mark.parametrize(("role", "key"), [("town_staff", "town_b"), ("town_staff", "city")])
def test_posting_to_a_resource_one_does_not_keep_changes_nothing(resources, world, client_as, role, key):
    target = resources[key]

    client_as(world.users[role]).post(
        reverse("projects:resource_edit", args=[target.pk]), resource_post(name="被改了", level="city")
    )

    assert Resource.objects.get(pk=target.pk).name == RESOURCE_NAMES[key]


@pytest.mark.parametrize(
    ("changes", "status"),
    [({"level": "town", "town": "town_b"}, 400), ({"level": "city"}, 403)],
    ids=["to-another-town", "to-the-whole-city"],
)
def test_town_staff_cannot_move_their_resource_beyond_their_town(
    resources, world, client_as, changes, status
):
    target = resources["town_a"]
    changes = {**changes, **({"town": world.town_b.pk} if "town" in changes else {})}

    response = client_as(world.users["town_staff"]).post(
        reverse("projects:resource_edit", args=[target.pk]), resource_post(name="被改了", **changes)
    )

    assert response.status_code == status
    stored = Resource.objects.get(pk=target.pk)
    assert (stored.name, stored.level, stored.town) == (RESOURCE_NAMES["town_a"], "town", world.town_a)


# --- the community page's panel ----------------------------------------------------------------


@pytest.mark.parametrize(("role", "key"), [(role, key) for role in ROLES for key in sorted(ALL_COMMUNITIES)])
def test_community_panel_opens_in_scope_and_is_not_found_outside(resources, world, client_as, role, key):
    response = client_as(world.users[role]).get(
        reverse("projects:community_panel", args=[getattr(world, key).pk])
    )

    assert response.status_code == (200 if key in SCOPE[role] else 404)


def test_community_panel_lists_the_active_resources_the_community_may_use_and_its_projects(
    resources, world, client_as
):
    project = project_in(
        S.DRAFT, community=world.a1, by=world.users["community_worker"], title="东苑草稿项目"
    )
    other = project_in(S.DRAFT, community=world.a2, by=world.users["city_admin"], title="南湾草稿项目")

    response = client_as(world.users["town_staff"]).get(
        reverse("projects:community_panel", args=[world.a1.pk])
    )

    content = response.content.decode()
    assert 'data-testid="community-resources-panel"' in content
    assert {key for key, name in RESOURCE_NAMES.items() if name in content} == {"city", "town_a", "a1"}
    assert project.title in content
    assert other.title not in content


# --- queries per page --------------------------------------------------------------------------


SESSION = ["django_session", "auth_user", "communities_membership"]  # a page: session, user, scope


def page_queries(client, user, path):
    """The page's queries (by main table, in order) once the per-process caches are
    warm, with a freshly loaded user: the scope is cached on the user object."""
    client.force_login(type(user).objects.get(pk=user.pk))
    client.get(path)  # warm up (session, translations)
    with capture() as queries:
        response = client.get(path)
    assert response.status_code == 200
    return tables(queries), response


def grow_projects(world, n):
    """Projects in every community and several states, each with a need and a resource."""
    admin = world.users["city_admin"]
    communities = [world.a1, world.a2, world.b1, world.b2]
    states = [S.DRAFT, S.SUBMITTED, S.IN_PROGRESS, S.ACCEPTED]
    fund = Resource.objects.get_or_create(
        name="全市公益基金",
        defaults={"category": ResourceCategory.objects.get(code="funds"), "level": "city"},
    )[0]
    lighting = category("street_lighting")
    start = Project.objects.count()
    for i in range(start, n):
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
            is_excellent=i % 5 == 0,
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
    start = Resource.objects.count()
    Resource.objects.bulk_create(
        [
            Resource(name=f"资源{i}", category=kinds[i % len(kinds)], **places[i % len(places)])
            for i in range(start, n)
        ]
    )


def grow_days(world, n):
    admin = world.users["city_admin"]
    communities = [world.a1, world.a2, world.b1, world.b2]
    start = DecisionDay.objects.count()
    for i in range(start, n):
        day = DecisionDay.objects.create(
            community=communities[i % 4],
            date=date(2025, 1, 1) + timedelta(days=i),
            place=f"议事厅{i}",
            kind=DecisionDay.Kind.RESIDENTS_ASSEMBLY,
            created_by=admin,
        )
        Project.objects.create(
            community=day.community,
            year=2025,
            title=f"议题{i}",
            summary="摘要",
            proposer=admin,
            state=S.SCHEDULED,
            decision_day=day,
        )


@pytest.mark.parametrize("role", ROLES)
def test_project_list_page_runs_the_same_queries_for_100_projects_as_for_10(world, client, role):
    expected = [
        *SESSION,
        "projects_project",  # the projects per state, for the state tabs
        "count:projects_project",  # the paginator's count
        "communities_town",  # the filter's towns (those in scope)
        "communities_communitytype",  # the filter's community types
        "needs_problemcategory",  # the filter's need categories
        "projects_project",  # the page's rows, community, town, type and proposer joined
    ]
    for n in (10, 100):
        grow_projects(world, n)
        queries, response = page_queries(client, world.users[role], reverse("projects:list"))
        assert response.context["page"].paginator.count > 0
        assert queries == expected, n


@pytest.mark.parametrize("role", ROLES)
def test_resource_list_page_runs_the_same_queries_for_100_resources_as_for_10(world, client, role):
    expected = [
        *SESSION,
        # a community worker also sees the town's resources: the town of the community
        *(["communities_community"] if role == "community_worker" else []),
        "count:projects_resource",  # the paginator's count
        "projects_resource",  # the page's rows, category, provider, town and community joined
        "projects_resourcecategory",  # the filter's categories
    ]
    for n in (10, 100):
        grow_resources(world, n)
        queries, response = page_queries(client, world.users[role], reverse("projects:resources"))
        assert response.context["page"].paginator.count > 0
        assert queries == expected, n


@pytest.mark.parametrize("role", ROLES)
def test_decision_day_list_page_runs_the_same_queries_for_50_days_as_for_5(world, client, role):
    expected = [
        *SESSION,
        "count:projects_decisionday",  # the paginator's count
        "projects_decisionday",  # the page's days, community joined
        "projects_project",  # the topics of every day on the page, in one query
    ]
    for n in (5, 50):
        grow_days(world, n)
        queries, response = page_queries(client, world.users[role], reverse("projects:decision_days"))
        assert response.context["page"].paginator.count > 0
        assert queries == expected, n


# --- forms that keep what was typed ---------------------------------------------------------------


def input_value(content: str, name: str) -> str | None:
    """The value an <input name=…> carries, or None when it has none."""
    tag = re.search(rf'<input\b[^>]*name="{name}"[^>]*>', content)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def textarea_text(content: str, name: str) -> str:
    found = re.search(rf'<textarea\b[^>]*name="{name}"[^>]*>(.*?)</textarea>', content, re.S)
    assert found, name
    return found.group(1).strip()


def selected(content: str, name: str) -> str | None:
    select = re.search(rf'<select\b[^>]*name="{name}"[^>]*>(.*?)</select>', content, re.S)
    assert select, name
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    return chosen.group(1) if chosen else None


def test_a_failed_progress_report_keeps_what_was_typed_and_asks_for_the_file_again(
    settings, tmp_path, world, client_as, under_way
):
    # given the worker filled in the report, chose a photo, and typed 140 percent
    settings.MEDIA_ROOT = tmp_path
    day = timezone.localdate() - timedelta(days=3)
    photo = SimpleUploadedFile("工地.jpg", JPEG, content_type="image/jpeg")
    data = progress_post(date=day.isoformat(), percent=140, text="管线铺设过半，路面待恢复", attachment=photo)

    # when the report is sent
    response = client_as(world.users["community_worker"]).post(
        reverse("projects:progress_add", args=[under_way.pk]), data
    )

    # then the page comes back with the error beside the percent, and everything typed kept
    assert response.status_code == 400
    content = response.content.decode()
    assert invalid_fields(content) == {"percent"}
    assert input_value(content, "date") == day.isoformat()
    assert input_value(content, "percent") == "140"
    assert textarea_text(content, "text") == "管线铺设过半，路面待恢复"
    assert 'data-testid="choose-file-again"' in content
    assert not ProgressUpdate.objects.exists()


def test_a_failed_progress_report_without_a_file_does_not_ask_for_one(world, client_as, under_way):
    response = client_as(world.users["community_worker"]).post(
        reverse("projects:progress_add", args=[under_way.pk]), progress_post(text="")
    )

    assert response.status_code == 400
    assert 'data-testid="choose-file-again"' not in response.content.decode()


def test_a_failed_supervision_keeps_the_verdict_and_the_note(world, client_as):
    project = project_in(S.COMPLETED, community=world.a1, by=world.users["community_worker"])

    response = client_as(world.users["town_staff"]).post(
        transition_url(project, "accept"),
        {"verdict": Project.Verdict.BASICALLY_SATISFIED, "verdict_note": "路灯亮度偏低，建议调整"},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert invalid_fields(content) == {"satisfaction"}
    assert selected(content, "verdict") == Project.Verdict.BASICALLY_SATISFIED
    assert textarea_text(content, "verdict_note") == "路灯亮度偏低，建议调整"
    assert fetch(project).state == S.COMPLETED


@pytest.mark.parametrize(
    ("state", "action", "role", "field", "limit"),
    [
        (S.IN_PROGRESS, "complete", "community_worker", "outcome", 4000),
        (S.SUBMITTED, "return", "town_staff", "note", 2000),
    ],
)
def test_text_over_its_limit_is_refused_beside_its_field_and_kept(
    world, client_as, state, action, role, field, limit
):
    project = project_in(state, community=world.a1, by=world.users["community_worker"])
    text = "长" * (limit + 1)

    response = client_as(world.users[role]).post(transition_url(project, action), {field: text})

    assert response.status_code == 400
    content = response.content.decode()
    assert invalid_fields(content) == {field}
    kept = textarea_text(content, field) if field == "outcome" else input_value(content, field)
    assert kept == text
    assert fetch(project).state == state


# --- dates and amounts as people read them ----------------------------------------------------------


def test_planning_a_decision_day_says_its_date_as_people_write_it(world, client_as):
    from django.utils.formats import date_format

    response = client_as(world.users["town_staff"]).post(
        reverse("projects:decision_day_create"), day_post(world.a1)
    )

    day = DecisionDay.objects.get()
    (message,) = [str(m) for m in messages_of(response, messages.SUCCESS)]
    assert date_format(day.date, "DATE_FORMAT") in message
    assert day.date.isoformat() not in message


def test_date_boxes_carry_iso_dates(world, client_as, under_way):
    # the progress form proposes today; a saved plan and a decision day sent back keep theirs
    worker = world.users["community_worker"]
    draft = project_in(S.DRAFT, community=world.a1, by=worker)
    Project.objects.filter(pk=draft.pk).update(planned_start=date(2026, 5, 1))
    later = (timezone.localdate() + timedelta(days=10)).isoformat()

    progress = client_as(worker).get(reverse("projects:detail", args=[under_way.pk])).content.decode()
    plan = client_as(worker).get(reverse("projects:edit", args=[draft.pk])).content.decode()
    day_form = client_as(world.users["town_staff"]).post(
        reverse("projects:decision_day_create"), day_post(world.a1, date=later, place="")
    )

    assert input_value(progress, "date") == timezone.localdate().isoformat()
    assert input_value(plan, "planned_start") == "2026-05-01"
    assert input_value(day_form.content.decode(), "date") == later


def test_suggestions_write_amounts_as_people_write_them(world, client_as):
    worker = world.users["community_worker"]
    resource("全市惠民资金", capacity_amount=Decimal("3913040"), capacity_unit="元")
    need = need_in(world.a1, by=worker)

    content = client_as(worker).get(matches_url(world.a1, need)).content.decode()

    assert "3,913,040" in section_of(content, "matches", "</ol>")
    assert "E+" not in content


def test_the_project_page_writes_the_budget_as_people_write_it(world, client_as):
    worker = world.users["community_worker"]
    project = project_in(S.DRAFT, community=world.a1, by=worker)
    Project.objects.filter(pk=project.pk).update(budget_total=Decimal("3913000"), budget_city=Decimal("40"))

    content = client_as(worker).get(reverse("projects:detail", args=[project.pk])).content.decode()

    assert "3,913,000" in content
    assert "E+" not in content and "3913000" not in content


# --- a decision day of another community is no different from none ---------------------------------


@pytest.mark.parametrize("whose", ["a2", "b1"])
def test_scheduling_onto_another_communitys_day_is_answered_as_a_day_that_does_not_exist(
    world, client_as, whose
):
    project = project_in(S.SUBMITTED, community=world.a1, by=world.users["community_worker"])
    day = decision_day_of(getattr(world, whose), by=world.users["city_admin"])
    client = client_as(world.users["town_staff"])

    foreign = client.post(transition_url(project, "schedule"), {"decision_day": day.pk})
    missing = client.post(transition_url(project, "schedule"), {"decision_day": 999999})

    assert (foreign.status_code, missing.status_code) == (400, 400)
    errors = foreign.context["schedule_form"].errors["decision_day"]
    assert errors == [
        e.replace("999999", str(day.pk)) for e in missing.context["schedule_form"].errors["decision_day"]
    ]
    assert day.place not in foreign.content.decode()
    assert fetch(project).state == S.SUBMITTED


# --- buttons follow permissions -------------------------------------------------------------------

# page: (the page that shows the button, the page the button opens)
BUTTONS = {
    "new-project": ("projects:list", "projects:create"),
    "plan-decision-day": ("projects:decision_days", "projects:decision_day_create"),
    "new-resource": ("projects:resources", "projects:resource_create"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("button", list(BUTTONS))
def test_a_button_is_shown_exactly_when_the_page_it_opens_would_open(world, client_as, role, button):
    where, target = BUTTONS[button]
    client = client_as(world.users[role])

    shown = f'href="{reverse(target)}"' in client.get(reverse(where)).content.decode()
    opens = client.get(reverse(target)).status_code == 200

    assert shown == opens


@pytest.mark.parametrize("typed", ["1,000", "1，000", " 1 000 ", "１０００"])
def test_a_committed_amount_may_be_written_with_thousands_separators(choices, world, client_as, typed):
    needs, resources = choices
    data = form_data(needs=[needs["free"]], links={resources["city"]: (typed, "资金支持")})

    response = client_as(world.users["community_worker"]).post(reverse("projects:create"), data)

    assert response.status_code == 302
    link = Project.objects.get(title="东苑夜间照明提升").resource_links.get()
    assert link.committed_amount == Decimal("1000")


@pytest.mark.parametrize("typed", ["1e3", "NaN", "十万", "1.000.000"])
def test_an_amount_that_is_not_a_number_is_refused_beside_its_box_and_kept(choices, world, client_as, typed):
    needs, resources = choices
    city = resources["city"]
    data = form_data(needs=[needs["free"]], links={city: (typed, "资金支持")})

    response = client_as(world.users["community_worker"]).post(reverse("projects:create"), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="amount-{city.pk}-error-1"' in page
    assert f'name="amount-{city.pk}" id="amount-{city.pk}" inputmode="decimal" value="{typed}"' in page
    assert not Project.objects.filter(title="东苑夜间照明提升").exists()
