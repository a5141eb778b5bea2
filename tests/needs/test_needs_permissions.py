"""Needs on the HTML pages and in exports: which needs each role sees, who sees residents'
numbers and names, who may log, act on, import and compile, and what ends up stored.

Out of a user's scope a need, survey or community answers 404; in scope, an action the
role may not take answers 403; anonymous visitors are sent to the login page. Each page
or action of one object says so once, as a permission contract (tests/needs/contracts.py)
whose ``test_allowed`` also checks what the page shows or what is stored; the lists and
exports keep their tables of which rows each role gets. Assertions look at status codes,
which needs (by title) a page or file holds, and the database, never at UI wording (the
UI may be in Chinese or English).
"""

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from needs import services
from needs.models import (
    Channel,
    Escalation,
    MobileView,
    Need,
    NeedsList,
    NeedSurvey,
    ProblemCategory,
)
from tests.factories import community_type
from tests.needs.contracts import EveryRoleReads, NeedsContract, OneCommunity

ROLES = ["city_admin", "viewer", "town_staff", "community_worker"]
WORKING_ROLES = ["city_admin", "town_staff", "community_worker"]
ALL_COMMUNITIES = {"a1", "a2", "b1", "b2"}
SCOPE = {
    "city_admin": ALL_COMMUNITIES,
    "viewer": ALL_COMMUNITIES,
    "town_staff": {"a1", "a2"},
    "community_worker": {"a1"},
}
# Who may see the full number (and name) of a community's residents.
FULL_VIEW = {
    "city_admin": ALL_COMMUNITIES,
    "viewer": set(),
    "town_staff": {"a1", "a2"},
    "community_worker": {"a1"},
}

A1_MOBILE, A1_MOBILE_MASKED = "13812345678", "138****5678"
B1_MOBILE, B1_MOBILE_MASKED = "13987654321", "139****4321"

# One need per community; each title contains no other title.
NEED_DATA = {
    "a1": {
        "category": "ev_charging",  # service
        "raised_on": date(2024, 3, 5),
        "urgent": True,
        "description": "充电桩不够用",
        "location": "3幢北侧",
        "resident_name": "张三",
        "mobile": A1_MOBILE,
    },
    "a2": {"category": "street_lighting", "raised_on": date(2023, 5, 10), "location": "滨河路东段"},
    "b1": {
        "category": "neighbour_disputes",  # self_governance, used only in town B
        "raised_on": date(2024, 4, 1),
        "resident_name": "李四",
        "mobile": B1_MOBILE,
    },
    "b2": {"category": "party_service_hub", "raised_on": date(2023, 8, 8), "urgent": True},  # organisation
}

# Columns of the needs export (exporting.need_headers): 15 of them.
EXPORT_COLUMNS = 15
TITLE, RESIDENT, MOBILE = 6, 13, 14

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_HEADERS = ["社区", "日期", "渠道", "标题", "描述", "类别", "是否紧急", "地点", "居民姓名", "手机号"]


def title_of(key: str) -> str:
    return f"{key.upper()}-需求"


def category(code: str) -> ProblemCategory:
    return ProblemCategory.objects.get(code=code)


def titles_on_page(content: str) -> set[str]:
    """The fixture needs whose title appears on the page, by community key."""
    return {key for key in ALL_COMMUNITIES if title_of(key) in content}


def fetch(need: Need) -> Need:
    return Need.objects.get(pk=need.pk)


def input_value(content: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', content)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def error_messages(response) -> list:
    return [m for m in get_messages(response.wsgi_request) if m.level == messages.ERROR]


def log_need(world, key, *, by=None, **changes) -> Need:
    data = {**NEED_DATA[key], **changes}
    data.setdefault("title", title_of(key))
    data["category"] = category(data["category"])
    return services.need_create(by=by or world.users["city_admin"], community=getattr(world, key), **data)


@pytest.fixture
def needs(world):
    """A1-需求 … B2-需求, one per community; b2's has been taken up by a project (planned)."""
    logged = {key: log_need(world, key) for key in sorted(ALL_COMMUNITIES)}
    Need.objects.filter(pk=logged["b2"].pk).update(status=Need.Status.PLANNED)
    return logged


# --- anonymous visitors ------------------------------------------------------------------

# Pages of no one object; those of a need, survey, list or community are in the
# permission contracts below.
ANONYMOUS_REQUESTS = {
    "list": ("get", lambda w, n: reverse("needs:list")),
    "export-xlsx": ("get", lambda w, n: reverse("needs:export", args=["xlsx"])),
    "export-csv": ("get", lambda w, n: reverse("needs:export", args=["csv"])),
    "surveys": ("get", lambda w, n: reverse("needs:surveys")),
    "survey-create": ("get", lambda w, n: reverse("needs:survey_create")),
    "import": ("get", lambda w, n: reverse("needs:import")),
    "import-template": ("get", lambda w, n: reverse("needs:import_template")),
    "lists": ("get", lambda w, n: reverse("needs:lists")),
    "list-compile": ("post", lambda w, n: reverse("needs:list_compile")),
    "categories": ("get", lambda w, n: reverse("needs:categories")),
}


@pytest.mark.parametrize(("method", "url"), list(ANONYMOUS_REQUESTS.values()), ids=list(ANONYMOUS_REQUESTS))
def test_anonymous_visitor_is_sent_to_the_login_page(needs, world, client, method, url):
    path = url(world, needs)

    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


def test_anonymous_compile_writes_nothing(needs, world, client):
    client.post(reverse("needs:list_compile"), {"community_type": world.a1.type_id, "year": 2024})

    assert not NeedsList.objects.exists()


# --- the needs list page ---------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_needs_list_shows_exactly_the_needs_of_the_users_scope(needs, world, client_as, role):
    # given one need in each of the four communities
    # when a user opens the needs list
    response = client_as(world.users[role]).get(reverse("needs:list"))

    # then they see exactly the needs of their communities
    assert response.status_code == 200
    assert titles_on_page(response.content.decode()) == SCOPE[role]


PAGE_FILTERS = {
    "town-a-by-id": (lambda w: {"town": w.town_a.pk}, {"a1", "a2"}),
    "town-b-by-id": (lambda w: {"town": w.town_b.pk}, {"b1", "b2"}),
    "community-by-id": (lambda w: {"community": w.b1.pk}, {"b1"}),
    "community-by-code": (lambda w: {"community": "320585100001"}, {"a1"}),
    "type": (lambda w: {"type": "old_street"}, {"a2"}),
    "domain-service": (lambda w: {"domain": "service"}, {"a1", "a2"}),
    "domain-self-governance": (lambda w: {"domain": "self_governance"}, {"b1"}),
    "category-by-code": (lambda w: {"category": "neighbour_disputes"}, {"b1"}),
    "status-planned": (lambda w: {"status": "planned"}, {"b2"}),
    "status-open": (lambda w: {"status": "open"}, {"a1", "a2", "b1"}),
    "urgent-true": (lambda w: {"urgent": "true"}, {"a1", "b2"}),
    "urgent-false": (lambda w: {"urgent": "false"}, {"a2", "b1"}),
    "year-2023": (lambda w: {"year": 2023}, {"a2", "b2"}),
    "year-2024": (lambda w: {"year": 2024}, {"a1", "b1"}),
    "q-title": (lambda w: {"q": "B1-"}, {"b1"}),
    "q-description": (lambda w: {"q": "充电桩"}, {"a1"}),
    "q-location": (lambda w: {"q": "滨河路"}, {"a2"}),
    "town-and-year": (lambda w: {"town": w.town_a.pk, "year": 2024}, {"a1"}),
}


@pytest.mark.parametrize(("params", "expected"), list(PAGE_FILTERS.values()), ids=list(PAGE_FILTERS))
def test_needs_list_filters(needs, world, client_as, params, expected):
    response = client_as(world.users["city_admin"]).get(reverse("needs:list"), params(world))

    assert response.status_code == 200
    assert titles_on_page(response.content.decode()) == expected


@pytest.mark.parametrize(
    "params",
    [lambda w: {"town": w.town_b.pk}, lambda w: {"community": w.b1.pk}, lambda w: {"community": w.b1.code}],
    ids=["town-b", "b1-by-id", "b1-by-code"],
)
def test_town_staff_cannot_reach_other_towns_needs_by_filtering_for_them(needs, world, client_as, params):
    response = client_as(world.users["town_staff"]).get(reverse("needs:list"), params(world))

    # Another town's record is refused as an unknown one would be, and nothing is listed.
    assert response.status_code == 400
    assert set(response.context["filterset"].errors) == set(params(world))
    assert titles_on_page(response.content.decode()) == set()


def test_htmx_request_gets_the_table_with_the_same_scope(needs, world, client_as):
    response = client_as(world.users["town_staff"]).get(reverse("needs:list"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert titles_on_page(content) == {"a1", "a2"}


@pytest.mark.parametrize("role", ROLES)
def test_needs_list_page_never_shows_a_full_number_or_name(needs, world, client_as, role):
    response = client_as(world.users[role]).get(reverse("needs:list"))

    content = response.content.decode()
    assert A1_MOBILE_MASKED in content
    assert A1_MOBILE not in content
    assert B1_MOBILE not in content
    assert "张三" not in content
    assert "张**" in content
    assert not MobileView.objects.exists()


# --- a need's page ----------------------------------------------------------------------


class TestNeedPage(OneCommunity, EveryRoleReads):
    """A need's page: those who call back see the resident's full number and name, and
    each showing is logged; the viewer sees them masked, and nothing is logged."""

    @pytest.fixture(autouse=True)
    def _needs(self, needs):
        self.needs = needs

    def path(self, world, key):
        return reverse("needs:detail", args=[self.needs[key].pk])

    def not_shown(self, world, key):
        return [self.needs[key].title]

    def unchanged(self, world):
        return not MobileView.objects.exists()

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        need, user, content = self.needs["a1"], world.users[role], self.response.content.decode()
        assert need.title in content
        if role == "viewer":
            assert (need.mobile in content, need.resident_name in content) == (False, False)
            assert need.masked_mobile in content
            assert f"{need.resident_name[0]}**" in content
            assert not MobileView.objects.exists()
        else:
            assert need.mobile in content
            assert need.resident_name in content
            assert list(MobileView.objects.values_list("user", "need", "context")) == [
                (user.pk, need.pk, "page")
            ]


@pytest.mark.parametrize("role", ["city_admin", "viewer"])
def test_the_city_admin_sees_the_numbers_of_every_town_and_the_viewer_of_none(needs, world, client_as, role):
    need = needs["b1"]

    content = client_as(world.users[role]).get(reverse("needs:detail", args=[need.pk])).content.decode()

    assert (need.mobile in content, need.resident_name in content) == ((role == "city_admin",) * 2)
    assert (need.masked_mobile in content) is (role == "viewer")
    assert MobileView.objects.count() == (1 if role == "city_admin" else 0)


def test_need_page_of_a_need_without_a_number_logs_no_view(needs, world, client_as):
    response = client_as(world.users["city_admin"]).get(reverse("needs:detail", args=[needs["a2"].pk]))

    assert response.status_code == 200
    assert not MobileView.objects.exists()


# --- exports ----------------------------------------------------------------------------


def export_rows(response, fmt) -> list[list[str]]:
    """The export's rows (header first), every cell as text ('' for an empty cell)."""
    if fmt == "xlsx":
        assert response["Content-Type"] == XLSX
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = [list(values) for values in sheet.iter_rows(values_only=True)]
    else:
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert all(len(row) == EXPORT_COLUMNS for row in rows)
    return [["" if v is None else str(v) for v in row] for row in rows]


def export(client, fmt, params=None):
    response = client.get(reverse("needs:export", args=[fmt]), params or {})
    assert response.status_code == 200
    assert f".{fmt}" in response["Content-Disposition"]
    return export_rows(response, fmt)


def row_of(rows, key) -> list[str]:
    (row,) = [r for r in rows[1:] if r[TITLE] == title_of(key)]
    return row


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("role", ROLES)
def test_export_holds_exactly_the_needs_of_the_users_scope(needs, world, client_as, role, fmt):
    rows = export(client_as(world.users[role]), fmt)

    titles = [row[TITLE] for row in rows[1:]]
    assert sorted(titles) == sorted(title_of(key) for key in SCOPE[role])


def test_export_filtered_for_another_town_is_refused_as_an_unknown_town(needs, world, client_as):
    response = client_as(world.users["town_staff"]).get(
        reverse("needs:export", args=["xlsx"]), {"town": world.town_b.pk}
    )

    assert response.status_code == 400
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(
    ("role", "params", "expected"),
    [
        ("city_admin", lambda w: {"town": w.town_b.pk}, {"b1", "b2"}),
        ("city_admin", lambda w: {"category": "ev_charging"}, {"a1"}),
        ("viewer", lambda w: {"year": 2023, "urgent": "true"}, {"b2"}),
        ("town_staff", lambda w: {"q": "滨河路"}, {"a2"}),
    ],
    ids=["admin-town-b", "admin-category", "viewer-year-urgent", "staff-q"],
)
def test_export_holds_the_filtered_rows_within_scope(needs, world, client_as, role, params, expected, fmt):
    rows = export(client_as(world.users[role]), fmt, params(world))

    assert {row[TITLE] for row in rows[1:]} == {title_of(key) for key in expected}


def test_export_in_an_unknown_format_is_not_found(needs, world, client_as):
    response = client_as(world.users["city_admin"]).get(reverse("needs:export", args=["pdf"]))

    assert response.status_code == 404
    assert not MobileView.objects.exists()


FORMULAS = ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_writes_cells_that_look_like_formulas_as_text(world, client_as, fmt):
    # given needs whose titles a spreadsheet would run as formulas
    for title in FORMULAS:
        log_need(world, "a1", title=title, mobile="", resident_name="")

    # when they are exported
    rows = export(client_as(world.users["city_admin"]), fmt)

    # then each such cell starts with an apostrophe, and no cell starts with a trigger
    assert sorted(row[TITLE] for row in rows[1:]) == sorted("'" + title for title in FORMULAS)
    assert not [v for row in rows[1:] for v in row if v[:1] in ("=", "+", "-", "@")]


def test_export_to_xlsx_holds_no_formula_cell(world, client_as):
    log_need(world, "a1", title='=HYPERLINK("http://x")')

    response = client_as(world.users["city_admin"]).get(reverse("needs:export", args=["xlsx"]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.data_type for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("role", ROLES)
def test_export_shows_full_numbers_only_to_those_who_call_back(needs, world, client_as, role, fmt):
    rows = export(client_as(world.users[role]), fmt)

    a1 = row_of(rows, "a1")
    assert a1[MOBILE] == (A1_MOBILE if "a1" in FULL_VIEW[role] else A1_MOBILE_MASKED)
    if "b1" in SCOPE[role]:
        assert row_of(rows, "b1")[MOBILE] == (B1_MOBILE if "b1" in FULL_VIEW[role] else B1_MOBILE_MASKED)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("role", ROLES)
def test_export_shows_full_resident_names_only_to_those_who_call_back(needs, world, client_as, role, fmt):
    rows = export(client_as(world.users[role]), fmt)

    assert row_of(rows, "a1")[RESIDENT] == ("张三" if "a1" in FULL_VIEW[role] else "张**")
    if "b1" in SCOPE[role]:
        assert row_of(rows, "b1")[RESIDENT] == ("李四" if "b1" in FULL_VIEW[role] else "李**")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("role", ROLES)
def test_export_logs_one_view_per_full_number_exported(needs, world, client_as, role, fmt):
    user = world.users[role]

    export(client_as(user), fmt)

    # a1 and b1 have numbers; a2 and b2 have none
    expected = {needs[key].pk for key in FULL_VIEW[role] & {"a1", "b1"}}
    views = MobileView.objects.filter(user=user)
    assert sorted(views.values_list("need", flat=True)) == sorted(expected)
    assert set(views.values_list("context", flat=True)) <= {"export"}
    assert MobileView.objects.count() == len(expected)


# --- surveys ----------------------------------------------------------------------------


def make_survey(world, key, *, day=date(2024, 3, 5), channel=Channel.VISIT) -> NeedSurvey:
    return services.survey_create(
        by=world.users["city_admin"], community=getattr(world, key), date=day, channel=channel
    )


def survey_post(world, key, **changes):
    data = {
        "community": getattr(world, key).pk,
        "date": "2024-03-05",
        "channel": "visit",
        "participants": 12,
        "notes": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", WORKING_ROLES)
def test_survey_form_offers_exactly_the_users_communities(world, client_as, role):
    response = client_as(world.users[role]).get(reverse("needs:survey_create"))

    assert response.status_code == 200
    offered = set(re.findall(r'<option value="(\d+)"', response.content.decode()))
    assert offered == {str(getattr(world, key).pk) for key in SCOPE[role]}


@pytest.mark.parametrize(
    ("role", "key"), [("city_admin", "b2"), ("town_staff", "a2"), ("community_worker", "a1")]
)
def test_working_roles_create_a_survey_for_their_communities(world, client_as, role, key):
    response = client_as(world.users[role]).post(reverse("needs:survey_create"), survey_post(world, key))

    survey = NeedSurvey.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("needs:survey", args=[survey.pk])
    assert (survey.community, survey.date, survey.channel, survey.conducted_by) == (
        getattr(world, key),
        date(2024, 3, 5),
        "visit",
        world.users[role],
    )


@pytest.mark.parametrize(("role", "key"), [("town_staff", "b1"), ("community_worker", "a2")])
def test_survey_for_a_community_out_of_scope_is_refused_with_a_form_error(world, client_as, role, key):
    response = client_as(world.users[role]).post(reverse("needs:survey_create"), survey_post(world, key))

    assert response.status_code == 400
    assert "community" in response.context["form"].errors
    assert not NeedSurvey.objects.exists()


def test_survey_in_the_future_is_refused(world, client_as):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client_as(world.users["town_staff"]).post(
        reverse("needs:survey_create"), survey_post(world, "a1", date=tomorrow.isoformat())
    )

    assert response.status_code == 400
    assert response.context["form"].errors
    assert not NeedSurvey.objects.exists()


def test_viewer_cannot_create_a_survey(world, client_as):
    response = client_as(world.users["viewer"]).post(reverse("needs:survey_create"), survey_post(world, "a1"))

    # refused either as a form error or outright
    assert response.status_code in (200, 403)
    assert not NeedSurvey.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_survey_list_shows_the_surveys_of_the_users_scope(world, client_as, role):
    for key in sorted(ALL_COMMUNITIES):
        make_survey(world, key)

    response = client_as(world.users[role]).get(reverse("needs:surveys"))

    content = response.content.decode()
    assert response.status_code == 200
    assert {key for key in ALL_COMMUNITIES if getattr(world, key).name in content} == SCOPE[role]


class TestSurveyPage(OneCommunity, EveryRoleReads):
    """A survey's page with its needs: numbers are masked for everyone, residents'
    names for those who may not call back."""

    @pytest.fixture(autouse=True)
    def _surveys(self, world):
        self.surveys = {key: make_survey(world, key) for key in ("a1", "a2", "b1")}
        # a need of 王五, 13912345678, logged in a1's survey
        services.need_create(
            by=world.users["community_worker"],
            community=world.a1,
            survey=self.surveys["a1"],
            title="楼道灯坏了",
            category=category("street_lighting"),
            resident_name="王五",
            mobile="13912345678",
        )

    def path(self, world, key):
        return reverse("needs:survey", args=[self.surveys[key].pk])

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        content = self.response.content.decode()
        assert "楼道灯坏了" in content
        assert "13912345678" not in content
        assert "139****5678" in content
        if role in WORKING_ROLES:
            assert "王五" in content
        else:
            assert "王五" not in content
            assert "王**" in content


GOOD_ROW = {
    "title": "楼道灯坏了",
    "category": "street_lighting",
    "description": "5幢2单元",
    "urgent": "on",
    "location": "5幢",
    "resident_name": "王五",
    "mobile": "139 1234 5678",
}


def add_need(client, survey, *, htmx=True, **changes):
    data = {**GOOD_ROW, **changes}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("needs:survey_add_need", args=[survey.pk]), data, **headers)


class TestFastEntry(OneCommunity, NeedsContract):
    """One row of fast entry on a survey's page: saved with the survey's community,
    date and channel by those who log needs there."""

    method = "post"
    allowed = set(WORKING_ROLES)

    @pytest.fixture(autouse=True)
    def _surveys(self, world):
        self.surveys = {
            key: make_survey(world, key, channel=Channel.CONTACT_DAY) for key in ("a1", "a2", "b1")
        }

    def path(self, world, key):
        return reverse("needs:survey_add_need", args=[self.surveys[key].pk])

    def data(self, world):
        return GOOD_ROW

    def unchanged(self, world):
        return not Need.objects.exists()

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        need = Need.objects.get()
        assert (need.survey, need.community, need.raised_on, need.channel) == (
            self.surveys["a1"],
            world.a1,
            date(2024, 3, 5),
            "contact_day",
        )
        assert (need.title, need.category.code, need.urgent, need.mobile, need.logged_by) == (
            "楼道灯坏了",
            "street_lighting",
            True,
            "13912345678",
            world.users[role],
        )


@pytest.mark.parametrize("category_given", ["street_lighting", "路灯照明"], ids=["code", "chinese-name"])
def test_fast_entry_through_htmx_answers_the_new_row(world, client_as, category_given):
    # given a contact-day survey of 2024-03-05
    survey = make_survey(world, "a1", channel=Channel.CONTACT_DAY)

    # when a row is entered through htmx, its category by code or by name
    response = add_need(client_as(world.users["community_worker"]), survey, category=category_given)

    # then the new row comes back and the need is stored with the survey's details
    assert response.status_code == 200
    assert "楼道灯坏了" in response.content.decode()
    need = Need.objects.get()
    assert (need.survey, need.raised_on, need.channel, need.category.code) == (
        survey,
        date(2024, 3, 5),
        "contact_day",
        "street_lighting",
    )


BAD_ROWS = {
    "unknown-category": ({"category": "no_such_category"}, "category"),
    "bad-mobile": ({"mobile": "12345"}, "mobile"),
    "missing-title": ({"title": ""}, "title"),
}


@pytest.mark.parametrize(("changes", "field"), list(BAD_ROWS.values()), ids=list(BAD_ROWS))
def test_fast_entry_refuses_a_bad_row_in_place_of_the_entry_form(world, client_as, changes, field):
    survey = make_survey(world, "a1")

    response = add_need(client_as(world.users["community_worker"]), survey, **changes)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'data-testid="entry-error"' in response.content.decode()
    assert not Need.objects.exists()


def test_fast_entry_without_htmx_redirects_to_the_survey_after_a_good_row(world, client_as):
    survey = make_survey(world, "a1")

    response = add_need(client_as(world.users["community_worker"]), survey, htmx=False)

    assert response.status_code == 302
    assert response.url == reverse("needs:survey", args=[survey.pk])
    assert Need.objects.get().survey == survey


@pytest.mark.parametrize(("changes", "field"), list(BAD_ROWS.values()), ids=list(BAD_ROWS))
def test_fast_entry_without_htmx_answers_400_for_a_bad_row(world, client_as, changes, field):
    survey = make_survey(world, "a1")

    response = add_need(client_as(world.users["community_worker"]), survey, htmx=False, **changes)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Need.objects.exists()


# --- acting on a need -------------------------------------------------------------------


class NeedAction(OneCommunity, NeedsContract):
    """A POST about one need (``view``), asked of a1's need; b1's and a2's are the
    outside. Nothing is written by a refused request: ``statuses`` stay as they were."""

    method = "post"
    view = ""
    statuses = {"a1": "open", "a2": "open", "b1": "open"}

    @pytest.fixture(autouse=True)
    def _needs(self, needs):
        self.needs = needs

    def path(self, world, key):
        return reverse(self.view, args=[self.needs[key].pk])

    def unchanged(self, world):
        return {key: fetch(self.needs[key]).status for key in self.statuses} == self.statuses


def close(client, need, reason="与A2重复"):
    return client.post(reverse("needs:close", args=[need.pk]), {"reason": reason})


class TestClose(NeedAction):
    """Those who work at the community close its need, with a reason."""

    view = "needs:close"
    allowed = set(WORKING_ROLES)

    def data(self, world):
        return {"reason": "与A2重复"}

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        need = fetch(self.needs["a1"])
        assert self.response.url == reverse("needs:detail", args=[need.pk])
        assert (need.status, need.close_reason) == ("closed", "与A2重复")


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_closing_without_a_reason_changes_nothing_and_says_why(needs, world, client_as, reason):
    response = close(client_as(world.users["community_worker"]), needs["a1"], reason)

    # The need's page again, with the reason asked for beside its box.
    assert response.status_code == 400
    assert response.context["close_form"].errors["reason"]
    assert (fetch(needs["a1"]).status, fetch(needs["a1"]).close_reason) == ("open", "")


class TestReopen(NeedAction):
    """A closed need is reopened by those who may close it; its reason is cleared."""

    view = "needs:reopen"
    allowed = set(WORKING_ROLES)
    statuses = {"a1": "closed", "a2": "closed", "b1": "closed"}

    @pytest.fixture(autouse=True)
    def _closed(self, _needs, world):
        for key in self.statuses:
            services.need_close(need=self.needs[key], by=world.users["city_admin"], reason="重复")

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        need = fetch(self.needs["a1"])
        assert (need.status, need.close_reason) == ("open", "")


def escalate(client, need, *, due_in_days=7, department="城厢镇城管办"):
    due_on = timezone.localdate() + timedelta(days=due_in_days)
    return client.post(
        reverse("needs:escalate", args=[need.pk]),
        {"department": department, "due_on": due_on.isoformat(), "note": "需要镇里协调"},
    )


class TestEscalate(NeedAction):
    """Town staff and city admins pass a need to a town department (吹哨报到)."""

    view = "needs:escalate"
    allowed = {"city_admin", "town_staff"}

    def data(self, world):
        due_on = timezone.localdate() + timedelta(days=7)
        return {"department": "城厢镇城管办", "due_on": due_on.isoformat(), "note": "需要镇里协调"}

    def unchanged(self, world):
        return super().unchanged(world) and not Escalation.objects.exists()

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        escalation = Escalation.objects.get()
        assert (escalation.need, escalation.department, escalation.due_on, escalation.escalated_by) == (
            self.needs["a1"],
            "城厢镇城管办",
            timezone.localdate() + timedelta(days=7),
            world.users[role],
        )
        assert fetch(self.needs["a1"]).status == "escalated"


@pytest.mark.parametrize(
    "data",
    [{"due_in_days": -1}, {"department": ""}],
    ids=["due-date-in-the-past", "no-department"],
)
def test_a_bad_escalation_writes_nothing(needs, world, client_as, data):
    response = escalate(client_as(world.users["town_staff"]), needs["a1"], **data)

    assert response.status_code == 400
    assert response.context["escalate_form"].errors
    assert not Escalation.objects.exists()
    assert fetch(needs["a1"]).status == "open"


@pytest.fixture
def escalated(needs, world):
    """a1's, a2's and b1's needs passed to a department, not yet answered."""
    due_on = timezone.localdate() + timedelta(days=7)
    return {
        key: services.need_escalate(
            need=needs[key], by=world.users["city_admin"], department="镇城管办", due_on=due_on
        )
        for key in ("a1", "a2", "b1")
    }


def respond(client, escalation, response="已安排维修"):
    return client.post(
        reverse("needs:respond", args=[escalation.pk]),
        {"response": response, "responded_on": timezone.localdate().isoformat()},
    )


class TestRespond(OneCommunity, NeedsContract):
    """Town staff and city admins record the department's response to an escalation."""

    method = "post"
    allowed = {"city_admin", "town_staff"}

    @pytest.fixture(autouse=True)
    def _escalated(self, escalated):
        self.escalations = escalated

    def path(self, world, key):
        return reverse("needs:respond", args=[self.escalations[key].pk])

    def data(self, world):
        return {"response": "已安排维修", "responded_on": timezone.localdate().isoformat()}

    def unchanged(self, world):
        return not Escalation.objects.exclude(response="", responded_on=None).exists()

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        escalation = Escalation.objects.get(pk=self.escalations["a1"].pk)
        assert (escalation.response, escalation.responded_on, escalation.recorded_by) == (
            "已安排维修",
            timezone.localdate(),
            world.users[role],
        )


class TestResolve(NeedAction):
    """After the department's response, town staff and city admins mark the need resolved."""

    view = "needs:resolve"
    allowed = {"city_admin", "town_staff"}
    statuses = {"a1": "escalated", "a2": "escalated", "b1": "escalated"}

    @pytest.fixture(autouse=True)
    def _answered(self, escalated, world):
        for escalation in escalated.values():
            services.escalation_respond(
                escalation=escalation,
                by=world.users["city_admin"],
                response="已处理",
                responded_on=timezone.localdate(),
            )

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert fetch(self.needs["a1"]).status == "resolved"


def test_town_staff_records_the_response_then_resolves_the_need(escalated, world, client_as):
    client = client_as(world.users["town_staff"])
    escalation = escalated["a1"]

    response = respond(client, escalation)

    assert response.status_code == 302
    escalation.refresh_from_db()
    assert (escalation.response, escalation.responded_on, escalation.recorded_by) == (
        "已安排维修",
        timezone.localdate(),
        world.users["town_staff"],
    )

    response = client.post(reverse("needs:resolve", args=[escalation.need_id]))

    assert response.status_code == 302
    assert Need.objects.get(pk=escalation.need_id).status == "resolved"


def test_resolving_before_the_response_is_refused(escalated, world, client_as):
    need = escalated["a1"].need

    response = client_as(world.users["town_staff"]).post(reverse("needs:resolve", args=[need.pk]))

    assert response.status_code == 302
    assert error_messages(response)
    assert fetch(need).status == "escalated"


def edit_post(need, **changes):
    data = {
        "raised_on": need.raised_on.isoformat(),
        "channel": need.channel,
        "title": need.title,
        "category": need.category.code,
        "description": need.description,
        "urgent": "on" if need.urgent else "",
        "location": need.location,
        "resident_name": need.resident_name,
        "mobile": need.mobile,
    }
    data.update(changes)
    return data


class TestEditPage(OneCommunity, NeedsContract):
    """The correction form of a need, for those who work at its community. It shows
    the full number, so a refused request must not log a view of it."""

    allowed = set(WORKING_ROLES)

    @pytest.fixture(autouse=True)
    def _needs(self, needs):
        self.needs = needs

    def path(self, world, key):
        return reverse("needs:edit", args=[self.needs[key].pk])

    def not_shown(self, world, key):
        return [self.needs[key].title]

    def unchanged(self, world):
        return not MobileView.objects.exists()

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert self.response.status_code == 200
        assert input_value(self.response.content.decode(), "title") == title_of("a1")


class TestEditPost(NeedAction):
    """Saving a correction: refused requests leave every title as it was."""

    view = "needs:edit"
    allowed = set(WORKING_ROLES)

    def data(self, world):
        return edit_post(self.needs["a1"], title="A1-需求（更正）")

    def unchanged(self, world):
        return [fetch(self.needs[key]).title for key in ("a1", "a2", "b1")] == [
            title_of(key) for key in ("a1", "a2", "b1")
        ]

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        need = fetch(self.needs["a1"])
        assert self.response.url == reverse("needs:detail", args=[need.pk])
        assert (need.title, need.mobile) == ("A1-需求（更正）", A1_MOBILE)


# --- import pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("city_admin", 200), ("town_staff", 200), ("community_worker", 200), ("viewer", 403)],
)
def test_import_page_is_for_the_working_roles(world, client_as, role, status):
    response = client_as(world.users[role]).get(reverse("needs:import"))

    assert response.status_code == status


@pytest.mark.parametrize("role", WORKING_ROLES)
def test_import_template_is_an_xlsx_with_the_chinese_headers(world, client_as, role):
    response = client_as(world.users[role]).get(reverse("needs:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == TEMPLATE_HEADERS
    assert len(rows) > 1  # example rows follow


# --- needs lists (需求清单) -------------------------------------------------------------


@pytest.fixture
def lists(needs, world):
    """A published list of commercial housing 2024 (a1's ev_charging) and a draft of old streets 2023."""
    admin = world.users["city_admin"]
    published = services.needs_list_compile(
        community_type=community_type("commercial_housing"), year=2024, by=admin
    )
    services.needs_list_publish(needs_list=published, by=admin)
    draft = services.needs_list_compile(community_type=community_type("old_street"), year=2023, by=admin)
    return {"published": NeedsList.objects.get(pk=published.pk), "draft": draft}


def list_url(needs_list):
    return reverse("needs:list_detail", args=[needs_list.pk])


@pytest.mark.parametrize("role", ROLES)
def test_needs_lists_page_opens_for_everyone_and_shows_drafts_to_the_city_only(lists, world, client_as, role):
    response = client_as(world.users[role]).get(reverse("needs:lists"))

    content = response.content.decode()
    assert response.status_code == 200
    assert list_url(lists["published"]) in content
    assert (list_url(lists["draft"]) in content) is (role in ("city_admin", "viewer"))


class NeedsListContract(NeedsContract):
    """A needs list's page or action (``view``). Everyone with a role reads the
    published list; the draft is outside town staff's and the worker's scope."""

    view = ""
    in_scope = "published"
    out_of_scope = "draft"

    @pytest.fixture(autouse=True)
    def _lists(self, lists):
        self.lists = lists

    def path(self, world, key):
        return reverse(self.view, args=[self.lists[key].pk])

    def fetch_list(self, key) -> NeedsList:
        return NeedsList.objects.get(pk=self.lists[key].pk)


class TestNeedsListPage(NeedsListContract, EveryRoleReads):
    view = "needs:list_detail"

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert "新能源车充电桩增设" in self.response.content.decode()
        # the city's own roles open the draft too
        if role in ("city_admin", "viewer"):
            draft = client_as(world.users[role]).get(list_url(self.lists["draft"]))
            assert draft.status_code == 200


def test_city_admin_compiles_a_draft_with_the_types_shared_problems(needs, world, client_as):
    response = client_as(world.users["city_admin"]).post(
        reverse("needs:list_compile"),
        {"community_type": community_type("commercial_housing").pk, "year": 2024},
    )

    needs_list = NeedsList.objects.get()
    assert response.status_code == 302
    assert response.url == list_url(needs_list)
    assert (needs_list.community_type.code, needs_list.year, needs_list.state) == (
        "commercial_housing",
        2024,
        "draft",
    )
    assert [(i.position, i.category.code, i.need_count) for i in needs_list.items.order_by("position")] == [
        (1, "ev_charging", 1)
    ]


@pytest.mark.parametrize("role", ["viewer", "town_staff", "community_worker"])
def test_only_city_admins_compile_needs_lists(needs, world, client_as, role):
    response = client_as(world.users[role]).post(
        reverse("needs:list_compile"),
        {"community_type": community_type("commercial_housing").pk, "year": 2024},
    )

    assert response.status_code == 403
    assert not NeedsList.objects.exists()


class TestNeedsListPublish(NeedsListContract):
    """Only city admins publish a draft; it is then frozen."""

    view = "needs:list_publish"
    method = "post"
    allowed = {"city_admin"}
    allowed_on = "draft"

    def unchanged(self, world):
        return self.fetch_list("draft").state == "draft"

    def test_in_scope_without_the_role_is_forbidden(self, world, client_as, api_as, role):
        super().test_in_scope_without_the_role_is_forbidden(world, client_as, api_as, role)
        if role == "viewer":  # who sees the draft, and may not publish it either
            self.in_scope = "draft"
            super().test_in_scope_without_the_role_is_forbidden(world, client_as, api_as, role)

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        draft = self.fetch_list("draft")
        assert (draft.state, draft.published_by) == ("published", world.users[role])
        assert draft.published_at is not None


class TestNeedsListEdit(NeedsListContract):
    """Only city admins annotate a draft (the list's own page, posted)."""

    view = "needs:list_detail"
    method = "post"
    allowed = {"city_admin"}
    allowed_on = "draft"

    def data(self, world):
        return {"list_note": "请各镇核对"}

    def unchanged(self, world):
        return [self.fetch_list(key).note for key in ("published", "draft")] == ["", ""]

    def test_in_scope_without_the_role_is_forbidden(self, world, client_as, api_as, role):
        super().test_in_scope_without_the_role_is_forbidden(world, client_as, api_as, role)
        if role == "viewer":
            self.in_scope = "draft"
            super().test_in_scope_without_the_role_is_forbidden(world, client_as, api_as, role)

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert self.fetch_list("draft").note == "请各镇核对"


def test_a_published_list_cannot_be_edited_even_by_a_city_admin(lists, world, client_as):
    published = lists["published"]
    item = published.items.get()

    response = client_as(world.users["city_admin"]).post(
        list_url(published), {"list_note": "改一下", f"note-{item.pk}": "改一下"}
    )

    assert response.status_code == 403
    published.refresh_from_db()
    item.refresh_from_db()
    assert (published.note, item.note, published.state) == ("", "", "published")


class TestNeedsListExport(NeedsListContract, EveryRoleReads):
    """A needs list as a spreadsheet: its ranked items."""

    view = "needs:list_export"

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert self.response["Content-Type"] == XLSX
        sheet = openpyxl.load_workbook(io.BytesIO(self.response.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 2  # header and one item
        assert (rows[1][0], rows[1][1], rows[1][4]) == (1, "新能源车充电桩增设", 1)


class TestCommunityPanel(OneCommunity, EveryRoleReads):
    """The community page's needs panel: its type's list beside the community's needs."""

    @pytest.fixture(autouse=True)
    def _lists(self, lists):
        pass

    def path(self, world, key):
        return reverse("needs:community_panel", args=[getattr(world, key).pk])

    def not_shown(self, world, key):
        return [title_of(key)]

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert title_of("a1") in self.response.content.decode()


def test_community_panel_shows_the_types_published_list_not_a_draft(lists, world, client_as):
    client = client_as(world.users["community_worker"])
    # a newer draft of a1's type exists too
    newer = services.needs_list_compile(
        community_type=community_type("commercial_housing"), year=2024, by=world.users["city_admin"]
    )

    response = client.get(reverse("needs:community_panel", args=[world.a1.pk]))

    content = response.content.decode()
    assert list_url(lists["published"]) in content
    assert list_url(newer) not in content
    assert "新能源车充电桩增设" in content


def test_community_panel_of_a_type_without_a_published_list_links_no_list(lists, world, client_as):
    # old streets (a2) have only a draft
    response = client_as(world.users["city_admin"]).get(reverse("needs:community_panel", args=[world.a2.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert list_url(lists["draft"]) not in content
    assert "/needs-lists/" not in content


# --- the home page's overdue escalations ------------------------------------------------


@pytest.fixture
def overdue(needs, world):
    """Unanswered escalations three days past due: a1's to 城厢镇建设局, b1's to 沙溪镇水务站."""
    past = timezone.localdate() - timedelta(days=3)
    for key, department in (("a1", "城厢镇建设局"), ("b1", "沙溪镇水务站")):
        Escalation.objects.create(
            need=needs[key], department=department, due_on=past, escalated_by=world.users["city_admin"]
        )
        Need.objects.filter(pk=needs[key].pk).update(status=Need.Status.ESCALATED)


def overdue_section(content: str) -> str:
    assert 'data-testid="overdue"' in content
    return content.split('data-testid="overdue"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("city_admin", {"城厢镇建设局", "沙溪镇水务站"}, set()),
        ("viewer", {"城厢镇建设局", "沙溪镇水务站"}, set()),
        ("town_staff", {"城厢镇建设局"}, {"沙溪镇水务站"}),
        ("community_worker", {"城厢镇建设局"}, {"沙溪镇水务站"}),
    ],
)
def test_home_page_lists_the_overdue_escalations_of_the_users_scope(
    overdue, world, client_as, role, shown, hidden
):
    response = client_as(world.users[role]).get("/")

    content = response.content.decode()
    assert response.status_code == 200
    section = overdue_section(content)
    assert {d for d in ("城厢镇建设局", "沙溪镇水务站") if d in section} == shown
    assert not [d for d in hidden if d in content]


def test_home_page_leaves_out_answered_and_not_yet_due_escalations(needs, world, client_as):
    admin = world.users["city_admin"]
    today = timezone.localdate()
    Escalation.objects.create(
        need=needs["a1"],
        department="已答复的部门",
        due_on=today - timedelta(days=3),
        escalated_by=admin,
        response="已处理",
        responded_on=today - timedelta(days=1),
    )
    Escalation.objects.create(need=needs["a2"], department="未到期的部门", due_on=today, escalated_by=admin)

    content = client_as(world.users["town_staff"]).get("/").content.decode()

    assert "已答复的部门" not in content
    assert "未到期的部门" not in content


# --- categories -------------------------------------------------------------------------


def category_count(content: str, code: str) -> int:
    """The need count shown in the row of the category with this code (the page
    shows its pinyin initials, not the code)."""
    from needs.models import ProblemCategory

    initials = ProblemCategory.objects.get(code=code).initials
    row = re.search(rf">{initials}</td>(.*?)</tr>", content, re.S)
    assert row, code
    return int(re.findall(r'<td class="text-end">(\d+)</td>', row.group(1))[-1])


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_admin", {"ev_charging": 1, "neighbour_disputes": 1, "party_service_hub": 1}),
        ("viewer", {"ev_charging": 1, "neighbour_disputes": 1, "party_service_hub": 1}),
        ("town_staff", {"ev_charging": 1, "neighbour_disputes": 0, "party_service_hub": 0}),
        ("community_worker", {"ev_charging": 1, "neighbour_disputes": 0, "street_lighting": 0}),
    ],
)
def test_categories_page_counts_only_the_needs_of_the_users_scope(needs, world, client_as, role, expected):
    response = client_as(world.users[role]).get(reverse("needs:categories"))

    content = response.content.decode()
    assert response.status_code == 200
    assert {code: category_count(content, code) for code in expected} == expected
    assert content.count('<td class="font-monospace small"') == 45
    assert "ev_charging" not in content  # codes are for the API, not the page
