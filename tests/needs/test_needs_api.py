"""The needs REST API (/api/v1/): which needs, surveys and needs lists each role reads,
who sees residents' numbers, filters, logging needs, import and the needs lists.

Out of a user's scope an object answers 404; in scope, an action the role may not take
answers 403; anonymous clients get 401. Assertions look at status codes, the JSON a
client receives (fields and keys, not message wording) and what ends up stored.
"""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from needs import services
from needs.models import Channel, MobileView, Need, NeedsList, NeedSurvey, ProblemCategory
from tests.factories import CommunityFactory, community_type
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
# Whose residents' full numbers and names each role may see.
FULL_VIEW = {
    "city_admin": ALL_COMMUNITIES,
    "viewer": set(),
    "town_staff": {"a1", "a2"},
    "community_worker": {"a1"},
}

NEEDS = "/api/v1/needs/"
SURVEYS = "/api/v1/surveys/"
CATEGORIES = "/api/v1/problem-categories/"
IMPORT = "/api/v1/needs/import/"
IMPORT_TEMPLATE = "/api/v1/needs/import/template/"
LISTS = "/api/v1/needs-lists/"
COMPILE = "/api/v1/needs-lists/compile/"

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_HEADERS = ["社区", "日期", "渠道", "标题", "描述", "类别", "是否紧急", "地点", "居民姓名", "手机号"]

# One need per community; each title contains no other title.
NEED_DATA = {
    "a1": {
        "category": "ev_charging",  # service
        "raised_on": date(2024, 3, 5),
        "urgent": True,
        "description": "充电桩不够用",
        "location": "3幢北侧",
        "resident_name": "张三",
        "mobile": "13812345678",
    },
    "a2": {
        "category": "street_lighting",  # service
        "raised_on": date(2023, 5, 10),
        "location": "滨河路东段",
        "resident_name": "王五",
        "mobile": "13700001111",
    },
    "b1": {
        "category": "neighbour_disputes",  # self_governance
        "raised_on": date(2024, 4, 1),
        "resident_name": "李四",
        "mobile": "13987654321",
    },
    "b2": {"category": "party_service_hub", "raised_on": date(2023, 8, 8), "urgent": True},  # organisation
}


def title_of(key: str) -> str:
    return f"{key.upper()}-需求"


def category(code: str) -> ProblemCategory:
    return ProblemCategory.objects.get(code=code)


def keys_of(response) -> set[str]:
    """The fixture needs (by community key) among the results."""
    titles = {row["title"] for row in response.json()["results"]}
    return {key for key in ALL_COMMUNITIES if title_of(key) in titles}


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


def need_url(need) -> str:
    return f"{NEEDS}{need.pk}/"


# --- anonymous clients -------------------------------------------------------------------

# Endpoints of no one object; those of a need, survey or list are in the permission
# contracts below.
ANONYMOUS_REQUESTS = {
    "needs": ("get", lambda n: NEEDS),
    "create-need": ("post", lambda n: NEEDS),
    "import": ("post", lambda n: IMPORT),
    "import-template": ("get", lambda n: IMPORT_TEMPLATE),
    "surveys": ("get", lambda n: SURVEYS),
    "create-survey": ("post", lambda n: SURVEYS),
    "categories": ("get", lambda n: CATEGORIES),
    "needs-lists": ("get", lambda n: LISTS),
    "compile": ("post", lambda n: COMPILE),
}


@pytest.mark.parametrize(("method", "url"), list(ANONYMOUS_REQUESTS.values()), ids=list(ANONYMOUS_REQUESTS))
def test_anonymous_client_gets_401(needs, api_as, method, url):
    response = getattr(api_as(None), method)(url(needs), {}, format="json")

    assert response.status_code == 401


def test_anonymous_writes_change_nothing(needs, world, api_as):
    api = api_as(None)

    api.post(NEEDS, new_need(world, "a1"), format="json")
    api.post(SURVEYS, {"community": world.a1.pk, "date": "2024-03-05", "channel": "visit"}, format="json")
    api.post(COMPILE, {"community_type": "commercial_housing", "year": 2024}, format="json")

    assert Need.objects.count() == 4
    assert not NeedSurvey.objects.exists()
    assert not NeedsList.objects.exists()
    assert not MobileView.objects.exists()


# --- reading needs -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_need_list_returns_exactly_the_users_scope(needs, api_as, world, role):
    response = api_as(world.users[role]).get(NEEDS)

    assert response.status_code == 200
    body = response.json()
    assert {"count", "results"} <= set(body)
    assert body["count"] == len(SCOPE[role])
    assert {row["id"] for row in body["results"]} == {needs[key].pk for key in SCOPE[role]}


@pytest.mark.parametrize("role", ROLES)
def test_need_list_masks_numbers_and_names_for_everyone_and_logs_nothing(needs, api_as, world, role):
    response = api_as(world.users[role]).get(NEEDS)

    rows = {row["title"]: row for row in response.json()["results"]}
    a1 = rows[title_of("a1")]
    assert (a1["mobile"], a1["resident_name"]) == ("138****5678", "张**")
    assert all("****" in row["mobile"] or row["mobile"] == "" for row in rows.values())
    assert "13812345678" not in response.content.decode()
    assert not MobileView.objects.exists()


def test_need_list_items_name_community_town_type_and_category_by_code(needs, api_as, world):
    rows = {row["title"]: row for row in api_as(world.users["viewer"]).get(NEEDS).json()["results"]}

    b1 = rows[title_of("b1")]
    assert {k: b1[k] for k in ("community", "community_name", "town", "type", "category", "domain")} == {
        "community": world.b1.pk,
        "community_name": "北泾村",
        "town": "320585101",
        "type": "traditional_village",
        "category": "neighbour_disputes",
        "domain": "self_governance",
    }
    assert (b1["date"], b1["status"], b1["urgent"]) == ("2024-04-01", "open", False)


def test_page_size_one_gives_one_result_and_the_full_count(needs, api_as, world):
    response = api_as(world.users["city_admin"]).get(NEEDS, {"page_size": 1})

    assert response.status_code == 200
    assert (len(response.json()["results"]), response.json()["count"]) == (1, 4)


class TestNeedRecord(OneCommunity, EveryRoleReads):
    """A need's own record: the full number and name for those who call back, each
    read logged; masked for the viewer, and nothing logged."""

    api = True

    @pytest.fixture(autouse=True)
    def _needs(self, needs):
        self.needs = needs

    def path(self, world, key):
        return need_url(self.needs[key])

    def not_shown(self, world, key):
        return [self.needs[key].title]

    def unchanged(self, world):
        return not MobileView.objects.exists()

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        user, need, body = world.users[role], self.needs["a1"], self.response.json()
        assert (body["id"], body["title"]) == (need.pk, need.title)
        if role == "viewer":
            assert (body["mobile"], body["resident_name"]) == (
                need.masked_mobile,
                need.resident_name[0] + "**",
            )
            assert need.mobile not in " ".join(str(v) for v in body.values())
            assert not MobileView.objects.exists()
        else:
            assert (body["mobile"], body["resident_name"]) == (need.mobile, need.resident_name)
            assert list(MobileView.objects.values_list("user", "need", "context")) == [
                (user.pk, need.pk, "api")
            ]


@pytest.mark.parametrize("role", ["city_admin", "viewer"])
def test_the_city_admin_reads_the_numbers_of_every_town_and_the_viewer_of_none(needs, api_as, world, role):
    need = needs["b1"]

    body = api_as(world.users[role]).get(need_url(need)).json()

    full = (need.mobile, need.resident_name)
    assert ((body["mobile"], body["resident_name"]) == full) is (role == "city_admin")
    assert MobileView.objects.count() == (1 if role == "city_admin" else 0)


def test_need_detail_without_a_number_logs_no_view(needs, api_as, world):
    response = api_as(world.users["city_admin"]).get(need_url(needs["b2"]))

    assert response.status_code == 200
    assert response.json()["mobile"] == ""
    assert not MobileView.objects.exists()


def test_every_detail_read_of_a_full_number_is_logged(needs, api_as, world):
    api = api_as(world.users["town_staff"])

    api.get(need_url(needs["a1"]))
    api.get(need_url(needs["a1"]))

    assert (
        MobileView.objects.filter(user=world.users["town_staff"], need=needs["a1"], context="api").count()
        == 2
    )


FILTER_CASES = {
    "community-by-id": (lambda w: {"community": w.a2.pk}, {"a2"}),
    "community-by-code": (lambda w: {"community": "320585101201"}, {"b1"}),
    "town-by-id": (lambda w: {"town": w.town_a.pk}, {"a1", "a2"}),
    "town-by-code": (lambda w: {"town": "320585101"}, {"b1", "b2"}),
    "type": (lambda w: {"type": "distinctive_village"}, {"b2"}),
    "domain-service": (lambda w: {"domain": "service"}, {"a1", "a2"}),
    "domain-organisation": (lambda w: {"domain": "organisation"}, {"b2"}),
    "category-by-code": (lambda w: {"category": "street_lighting"}, {"a2"}),
    "category-by-id": (lambda w: {"category": category("neighbour_disputes").pk}, {"b1"}),
    "status-planned": (lambda w: {"status": "planned"}, {"b2"}),
    "status-open": (lambda w: {"status": "open"}, {"a1", "a2", "b1"}),
    "urgent-true": (lambda w: {"urgent": "true"}, {"a1", "b2"}),
    "urgent-false": (lambda w: {"urgent": "false"}, {"a2", "b1"}),
    "year-2023": (lambda w: {"year": 2023}, {"a2", "b2"}),
    "year-2024": (lambda w: {"year": 2024}, {"a1", "b1"}),
    "year-none": (lambda w: {"year": 2022}, set()),
    "q-title": (lambda w: {"q": "A2-"}, {"a2"}),
    "q-description": (lambda w: {"q": "充电桩"}, {"a1"}),
    "q-location": (lambda w: {"q": "滨河路"}, {"a2"}),
    "town-and-urgent": (lambda w: {"town": "320585100", "urgent": "true"}, {"a1"}),
}


@pytest.mark.parametrize(("params", "expected"), list(FILTER_CASES.values()), ids=list(FILTER_CASES))
def test_need_list_filters(needs, api_as, world, params, expected):
    response = api_as(world.users["city_admin"]).get(NEEDS, params(world))

    assert response.status_code == 200
    assert keys_of(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        lambda w: {"town": w.town_b.pk},
        lambda w: {"town": "320585101"},
        lambda w: {"community": w.b1.pk},
        lambda w: {"community": "320585101201"},
    ],
    ids=["town-b-by-id", "town-b-by-code", "b1-by-id", "b1-by-code"],
)
def test_town_staff_cannot_widen_their_scope_by_filtering(needs, api_as, world, params):
    api = api_as(world.users["town_staff"])
    [(field, value)] = params(world).items()

    response = api.get(NEEDS, {field: value})

    # Another town's record answers exactly as one that does not exist: a field error.
    nonexistent = {"town": "320585999", "community": "320585999999"}[field]
    if isinstance(value, int):
        nonexistent = 99999999
    unknown = api.get(NEEDS, {field: nonexistent})
    assert response.status_code == unknown.status_code == 400
    assert list(response.json()) == list(unknown.json()) == [field]
    assert response.json()[field][0] == unknown.json()[field][0].replace(str(nonexistent), str(value))


# --- logging needs -----------------------------------------------------------------------


def new_need(world, key, **changes):
    data = {
        "community": getattr(world, key).pk,
        "title": "电梯经常故障",
        "description": "6幢电梯一周停两次",
        "category": "elevator_retrofit",
        "date": "2024-05-06",
        "channel": "hotline",
        "urgent": True,
        "location": "6幢",
        "resident_name": "赵六",
        "mobile": "13600001234",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("by", ["id", "code"])
@pytest.mark.parametrize(
    ("role", "key"), [("city_admin", "b2"), ("town_staff", "a2"), ("community_worker", "a1")]
)
def test_working_roles_log_needs_for_their_communities(world, api_as, role, key, by):
    community = getattr(world, key)
    given = community.pk if by == "id" else community.code

    response = api_as(world.users[role]).post(NEEDS, new_need(world, key, community=given), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    need = Need.objects.get()
    assert body["id"] == need.pk
    assert (body["community"], body["category"], body["date"], body["mobile"]) == (
        community.pk,
        "elevator_retrofit",
        "2024-05-06",
        "13600001234",
    )
    assert (need.community, need.title, need.category.code, need.raised_on, need.channel) == (
        community,
        "电梯经常故障",
        "elevator_retrofit",
        date(2024, 5, 6),
        "hotline",
    )
    assert (need.urgent, need.mobile, need.resident_name, need.logged_by, need.status) == (
        True,
        "13600001234",
        "赵六",
        world.users[role],
        "open",
    )


def test_category_may_be_given_by_id(world, api_as):
    response = api_as(world.users["community_worker"]).post(
        NEEDS, new_need(world, "a1", category=category("waste_sorting").pk), format="json"
    )

    assert response.status_code == 201
    assert response.json()["category"] == "waste_sorting"
    assert Need.objects.get().category.code == "waste_sorting"


def test_need_without_channel_or_optional_fields_is_logged_as_other(world, api_as):
    data = {
        "community": world.a1.code,
        "title": "健身器材损坏",
        "category": "public_facility_repair",
        "date": "2024-05-06",
    }

    response = api_as(world.users["community_worker"]).post(NEEDS, data, format="json")

    assert response.status_code == 201
    need = Need.objects.get()
    assert (need.channel, need.urgent, need.mobile, need.survey) == ("other", False, "", None)


@pytest.mark.parametrize(
    ("role", "key"),
    [("town_staff", "b1"), ("community_worker", "a2"), ("community_worker", "b2")],
)
def test_logging_for_a_community_out_of_scope_is_an_unknown_community(world, api_as, role, key):
    for given in (getattr(world, key).pk, getattr(world, key).code):
        response = api_as(world.users[role]).post(NEEDS, new_need(world, key, community=given), format="json")

        assert response.status_code == 400
        assert "community" in response.json()
    assert not Need.objects.exists()


@pytest.mark.parametrize("key", ["a1", "b1"])
def test_viewer_may_not_log_needs(world, api_as, key):
    response = api_as(world.users["viewer"]).post(NEEDS, new_need(world, key), format="json")

    assert response.status_code == 403
    assert not Need.objects.exists()


def test_needs_cannot_be_logged_for_an_archived_community(world, api_as):
    api = api_as(world.users["city_admin"])
    api.post(f"/api/v1/communities/{world.a2.pk}/archive/", format="json")

    response = api.post(NEEDS, new_need(world, "a2"), format="json")

    assert response.status_code == 403
    assert not Need.objects.exists()


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


BAD_NEEDS = {
    "bad-mobile": ({"mobile": "12345"}, "mobile"),
    "mobile-starting-12": ({"mobile": "12812345678"}, "mobile"),
    "unknown-category": ({"category": "no_such_category"}, "category"),
    "unknown-category-id": ({"category": 9999}, "category"),
    "missing-title": ({"title": None}, "title"),
    "empty-title": ({"title": ""}, "title"),
    "missing-date": ({"date": None}, "date"),
    "unknown-community": ({"community": "320585199999"}, "community"),
    "unknown-channel": ({"channel": "pigeon"}, "channel"),
}


@pytest.mark.parametrize(("changes", "field"), list(BAD_NEEDS.values()), ids=list(BAD_NEEDS))
def test_bad_need_is_refused_with_a_field_error_and_writes_nothing(world, api_as, changes, field):
    response = api_as(world.users["town_staff"]).post(NEEDS, new_need(world, "a1", **changes), format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Need.objects.exists()


def test_need_raised_in_the_future_is_refused_and_writes_nothing(world, api_as):
    response = api_as(world.users["town_staff"]).post(
        NEEDS, new_need(world, "a1", date=tomorrow()), format="json"
    )

    assert response.status_code == 400
    assert not Need.objects.exists()


def test_the_error_for_a_future_date_names_the_date_field(world, api_as):
    # The API's field is "date"; a client maps errors to its fields by key.
    response = api_as(world.users["town_staff"]).post(
        NEEDS, new_need(world, "a1", date=tomorrow()), format="json"
    )

    assert response.status_code == 400
    assert "date" in response.json(), response.json()


def make_survey(world, key, *, day=date(2024, 3, 5), channel=Channel.CONTACT_DAY) -> NeedSurvey:
    return services.survey_create(
        by=world.users["city_admin"], community=getattr(world, key), date=day, channel=channel
    )


def test_need_logged_with_a_survey_of_its_community_belongs_to_it(world, api_as):
    survey = make_survey(world, "a1")

    response = api_as(world.users["community_worker"]).post(
        NEEDS, new_need(world, "a1", survey=survey.pk), format="json"
    )

    assert response.status_code == 201
    assert response.json()["survey"] == survey.pk
    assert Need.objects.get().survey == survey


@pytest.mark.parametrize(
    ("role", "survey_key"),
    [("town_staff", "a2"), ("town_staff", "b1"), ("city_admin", "b1")],
    ids=["staff-other-community-in-town", "staff-survey-out-of-scope", "admin-other-community"],
)
def test_need_with_a_survey_of_another_community_is_refused(world, api_as, role, survey_key):
    survey = make_survey(world, survey_key)

    response = api_as(world.users[role]).post(NEEDS, new_need(world, "a1", survey=survey.pk), format="json")

    assert response.status_code == 400
    assert "survey" in response.json(), response.json()
    assert not Need.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_needs_cannot_be_changed_or_deleted_through_the_api(needs, api_as, world, method):
    response = getattr(api_as(world.users["city_admin"]), method)(
        need_url(needs["a1"]), {"title": "改过的标题"}, format="json"
    )

    assert response.status_code == 405
    assert Need.objects.get(pk=needs["a1"].pk).title == title_of("a1")


# --- surveys -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_survey_list_returns_exactly_the_users_scope(world, api_as, role):
    surveys = {key: make_survey(world, key) for key in sorted(ALL_COMMUNITIES)}

    response = api_as(world.users[role]).get(SURVEYS)

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {surveys[key].pk for key in SCOPE[role]}
    assert response.json()["count"] == len(SCOPE[role])


def test_survey_list_counts_each_surveys_needs(world, api_as):
    survey = make_survey(world, "a1")
    for title in ("楼道灯坏了", "垃圾房异味"):
        services.need_create(
            by=world.users["community_worker"],
            community=world.a1,
            survey=survey,
            title=title,
            category=category("street_lighting"),
        )

    (row,) = api_as(world.users["community_worker"]).get(SURVEYS).json()["results"]

    assert (row["id"], row["need_count"], row["channel"], row["date"]) == (
        survey.pk,
        2,
        "contact_day",
        "2024-03-05",
    )


@pytest.mark.parametrize(
    ("role", "key"), [("city_admin", "b1"), ("town_staff", "a2"), ("community_worker", "a1")]
)
def test_working_roles_create_surveys_for_their_communities(world, api_as, role, key):
    community = getattr(world, key)

    response = api_as(world.users[role]).post(
        SURVEYS,
        {"community": community.code, "date": "2024-03-05", "channel": "visit", "participants": 15},
        format="json",
    )

    assert response.status_code == 201, response.json()
    survey = NeedSurvey.objects.get()
    assert response.json()["id"] == survey.pk
    assert (survey.community, survey.date, survey.channel, survey.participants, survey.conducted_by) == (
        community,
        date(2024, 3, 5),
        "visit",
        15,
        world.users[role],
    )


@pytest.mark.parametrize(("role", "key"), [("town_staff", "b1"), ("community_worker", "a2")])
def test_survey_for_a_community_out_of_scope_is_refused(world, api_as, role, key):
    response = api_as(world.users[role]).post(
        SURVEYS,
        {"community": getattr(world, key).pk, "date": "2024-03-05", "channel": "visit"},
        format="json",
    )

    assert response.status_code == 400
    assert "community" in response.json()
    assert not NeedSurvey.objects.exists()


def test_viewer_may_not_create_surveys(world, api_as):
    response = api_as(world.users["viewer"]).post(
        SURVEYS, {"community": world.a1.pk, "date": "2024-03-05", "channel": "visit"}, format="json"
    )

    assert response.status_code == 403
    assert not NeedSurvey.objects.exists()


def test_survey_in_the_future_is_refused(world, api_as):
    response = api_as(world.users["town_staff"]).post(
        SURVEYS, {"community": world.a1.pk, "date": tomorrow(), "channel": "visit"}, format="json"
    )

    assert response.status_code == 400
    assert "date" in response.json()
    assert not NeedSurvey.objects.exists()


class TestSurveyRecord(OneCommunity, EveryRoleReads):
    api = True

    @pytest.fixture(autouse=True)
    def _surveys(self, world):
        self.surveys = {key: make_survey(world, key) for key in ("a1", "a2", "b1")}

    def path(self, world, key):
        return f"{SURVEYS}{self.surveys[key].pk}/"

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        body = self.response.json()
        assert (body["id"], body["community"], body["date"]) == (
            self.surveys["a1"].pk,
            world.a1.pk,
            "2024-03-05",
        )


# --- problem categories ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_problem_categories_are_the_45_with_code_name_and_domain(world, api_as, role):
    response = api_as(world.users[role]).get(CATEGORIES)

    assert response.status_code == 200
    categories = response.json()
    assert len(categories) == 45
    assert all({"id", "code", "name", "domain"} <= set(c) for c in categories)
    by_code = {c["code"]: c for c in categories}
    assert (by_code["ev_charging"]["name"], by_code["ev_charging"]["domain"]) == (
        "新能源车充电桩增设",
        "service",
    )
    assert (by_code["neighbour_disputes"]["name"], by_code["neighbour_disputes"]["domain"]) == (
        "邻里纠纷调解",
        "self_governance",
    )


@pytest.mark.parametrize(("domain", "count"), [("organisation", 8), ("self_governance", 11), ("service", 26)])
def test_problem_categories_filter_by_domain(world, api_as, domain, count):
    response = api_as(world.users["viewer"]).get(CATEGORIES, {"domain": domain})

    assert response.status_code == 200
    assert len(response.json()) == count
    assert {c["domain"] for c in response.json()} == {domain}


@pytest.mark.parametrize("method", ["post", "patch"])
def test_problem_categories_are_read_only_in_the_api(world, api_as, method):
    url = CATEGORIES if method == "post" else f"{CATEGORIES}{category('ev_charging').pk}/"

    response = getattr(api_as(world.users["city_admin"]), method)(
        url, {"code": "x", "name": "新类别", "domain": "service"}, format="json"
    )

    assert response.status_code == 405
    assert ProblemCategory.objects.count() == 45


# --- import ------------------------------------------------------------------------------


def csv_upload(rows, name="needs.csv") -> SimpleUploadedFile:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


GOOD_ROWS = [
    [
        "320585100001",
        "2024-03-05",
        "上门走访",
        "楼道灯坏了",
        "5幢2单元",
        "路灯照明",
        "是",
        "5幢",
        "王五",
        "13912345678",
    ],
    ["南湾社区", "2024-03-06", "12345", "垃圾房异味", "", "waste_sorting", "否", "", "", ""],
]
IMPORTED_TITLES = {"楼道灯坏了", "垃圾房异味"}


def upload(api, rows, *, dry_run):
    return api.post(
        IMPORT, {"file": csv_upload(rows), "dry_run": "true" if dry_run else "false"}, format="multipart"
    )


def test_import_dry_run_checks_the_file_and_writes_nothing(world, api_as):
    response = upload(api_as(world.users["town_staff"]), GOOD_ROWS, dry_run=True)

    assert response.status_code == 200
    assert response.json() == {"dry_run": True, "rows": 2, "created": 0, "errors": []}
    assert not Need.objects.exists()


@pytest.mark.parametrize("role", ["city_admin", "town_staff"])
def test_import_writes_every_row(world, api_as, role):
    response = upload(api_as(world.users[role]), GOOD_ROWS, dry_run=False)

    assert response.status_code == 201
    assert (response.json()["created"], response.json()["errors"]) == (2, [])
    stored = {n.title: n for n in Need.objects.select_related("community", "category", "imported_in")}
    assert set(stored) == IMPORTED_TITLES
    lamp, waste = stored["楼道灯坏了"], stored["垃圾房异味"]
    assert (lamp.community, lamp.raised_on, lamp.channel, lamp.category.code, lamp.urgent, lamp.mobile) == (
        world.a1,
        date(2024, 3, 5),
        "visit",
        "street_lighting",
        True,
        "13912345678",
    )
    assert (waste.community, waste.channel, waste.category.code, waste.urgent) == (
        world.a2,
        "hotline",
        "waste_sorting",
        False,
    )
    assert {n.logged_by for n in stored.values()} == {world.users[role]}
    assert lamp.imported_in == waste.imported_in
    assert lamp.imported_in.rows == 2


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "commit"])
def test_import_with_one_bad_row_names_it_and_writes_nothing(world, api_as, dry_run):
    bad = list(GOOD_ROWS[1])
    bad[9] = "12345"  # mobile

    response = upload(api_as(world.users["town_staff"]), [GOOD_ROWS[0], bad], dry_run=dry_run)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [set(e) for e in errors] == [{"row", "column", "message"}]
    assert errors[0]["row"] == 3  # the header is row 1
    assert errors[0]["column"] in ("手机号", "mobile")
    assert errors[0]["message"]
    assert not Need.objects.exists()


def test_worker_cannot_import_needs_of_another_community(world, api_as):
    response = upload(api_as(world.users["community_worker"]), GOOD_ROWS, dry_run=False)

    assert response.status_code == 400
    assert [e["row"] for e in response.json()["errors"]] == [3]  # 南湾社区 is a2
    assert not Need.objects.exists()


def test_viewer_may_not_import(world, api_as):
    for dry_run in (True, False):
        response = upload(api_as(world.users["viewer"]), GOOD_ROWS, dry_run=dry_run)

        assert response.status_code == 403
    assert not Need.objects.exists()


def test_import_without_a_file_is_refused(world, api_as):
    response = api_as(world.users["town_staff"]).post(IMPORT, {"dry_run": "true"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_import_of_a_file_that_is_not_a_spreadsheet_is_refused(world, api_as):
    data = SimpleUploadedFile("needs.pdf", b"%PDF-1.4 not a spreadsheet", content_type="application/pdf")

    response = api_as(world.users["town_staff"]).post(
        IMPORT, {"file": data, "dry_run": "false"}, format="multipart"
    )

    assert response.status_code == 400
    assert [set(e) for e in response.json()["errors"]] == [{"row", "column", "message"}]
    assert not Need.objects.exists()


@pytest.mark.parametrize("role", WORKING_ROLES)
def test_import_template_is_an_xlsx_with_the_chinese_headers(world, api_as, role):
    response = api_as(world.users[role]).get(IMPORT_TEMPLATE)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert list(rows[0]) == TEMPLATE_HEADERS
    assert len(rows) > 1


def test_the_template_examples_pass_the_import_check(world, api_as):
    # The downloadable template, filled in as shipped, checks clean for the city admin.
    api = api_as(world.users["city_admin"])
    template = api.get(IMPORT_TEMPLATE).content

    response = api.post(
        IMPORT,
        {"file": SimpleUploadedFile("template.xlsx", template, content_type=XLSX), "dry_run": "true"},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["errors"] == []
    assert not Need.objects.exists()


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
    return {"published": published, "draft": draft}


@pytest.mark.parametrize(
    ("role", "sees_draft"),
    [("city_admin", True), ("viewer", True), ("town_staff", False), ("community_worker", False)],
)
def test_needs_lists_published_for_everyone_drafts_for_the_city_only(lists, world, api_as, role, sees_draft):
    api = api_as(world.users[role])

    response = api.get(LISTS)

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    expected = {lists["published"].pk} | ({lists["draft"].pk} if sees_draft else set())
    assert ids == expected


class NeedsListRecord(NeedsContract):
    """A needs list's record or action: everyone with a role reads the published list;
    the draft is outside town staff's and the worker's scope."""

    api = True
    in_scope = "published"
    out_of_scope = "draft"
    action = ""

    @pytest.fixture(autouse=True)
    def _lists(self, lists):
        self.lists = lists

    def path(self, world, key):
        return f"{LISTS}{self.lists[key].pk}/{self.action}"


class TestNeedsListRecord(NeedsListRecord, EveryRoleReads):
    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        body = self.response.json()
        assert (body["community_type"], body["year"], body["version"], body["state"]) == (
            "commercial_housing",
            2024,
            1,
            "published",
        )
        assert [
            (i["position"], i["category"], i["need_count"], i["urgent_count"]) for i in body["items"]
        ] == [(1, "ev_charging", 1, 1)]
        # the city's own roles read the draft too
        if role in ("city_admin", "viewer"):
            assert api_as(world.users[role]).get(f"{LISTS}{self.lists['draft'].pk}/").status_code == 200


def test_needs_lists_filter_by_community_type_code(lists, world, api_as):
    response = api_as(world.users["city_admin"]).get(LISTS, {"community_type": "old_street"})

    assert {row["id"] for row in response.json()["results"]} == {lists["draft"].pk}


@pytest.fixture
def housing_needs(world):
    """Commercial housing in 2024: ev_charging three times in a1 only; street_lighting in a1 and a3."""
    a3 = CommunityFactory(town=world.town_a, name="西苑社区", code="320585100003")
    for title in ("充电桩一", "充电桩二", "充电桩三"):
        log_need(world, "a1", title=title, category="ev_charging", raised_on=date(2024, 3, 5))
    log_need(world, "a1", title="路灯一", category="street_lighting", raised_on=date(2024, 4, 5))
    services.need_create(
        by=world.users["city_admin"],
        community=a3,
        title="路灯二",
        category=category("street_lighting"),
        raised_on=date(2024, 5, 5),
    )
    # a need of another year and one of another type are left out
    log_need(world, "a1", title="去年的", category="waste_sorting", raised_on=date(2023, 5, 5))
    log_need(world, "a2", title="老街的", category="waste_sorting", raised_on=date(2024, 5, 5))


def test_city_admin_compiles_a_draft_ranked_by_how_many_communities_raised_each_problem(
    housing_needs, world, api_as
):
    response = api_as(world.users["city_admin"]).post(
        COMPILE, {"community_type": "commercial_housing", "year": 2024}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["community_type"], body["year"], body["version"], body["state"]) == (
        "commercial_housing",
        2024,
        1,
        "draft",
    )
    # street lighting: 2 communities, 2 needs; ev charging: 1 community, 3 needs
    assert [(i["position"], i["category"], i["community_count"], i["need_count"]) for i in body["items"]] == [
        (1, "street_lighting", 2, 2),
        (2, "ev_charging", 1, 3),
    ]
    stored = NeedsList.objects.get()
    assert (stored.pk, stored.state, stored.needs_total, stored.communities_total) == (
        body["id"],
        "draft",
        5,
        2,
    )
    assert list(stored.items.order_by("position").values_list("category__code", flat=True)) == [
        "street_lighting",
        "ev_charging",
    ]


def test_compiling_again_makes_a_new_version(housing_needs, world, api_as):
    api = api_as(world.users["city_admin"])

    api.post(COMPILE, {"community_type": "commercial_housing", "year": 2024}, format="json")
    response = api.post(COMPILE, {"community_type": "commercial_housing", "year": 2024}, format="json")

    assert response.status_code == 201
    assert response.json()["version"] == 2
    assert sorted(NeedsList.objects.values_list("version", flat=True)) == [1, 2]


@pytest.mark.parametrize("role", ["viewer", "town_staff", "community_worker"])
def test_only_city_admins_compile_needs_lists(housing_needs, world, api_as, role):
    response = api_as(world.users[role]).post(
        COMPILE, {"community_type": "commercial_housing", "year": 2024}, format="json"
    )

    assert response.status_code == 403
    assert not NeedsList.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"community_type": "no_such_type", "year": 2024}, "community_type"),
        ({"community_type": "commercial_housing", "year": 1999}, "year"),
        ({"community_type": "commercial_housing"}, "year"),
    ],
    ids=["unknown-type", "year-too-early", "no-year"],
)
def test_bad_compile_request_is_refused(world, api_as, data, field):
    response = api_as(world.users["city_admin"]).post(COMPILE, data, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not NeedsList.objects.exists()


def publish(api, needs_list):
    return api.post(f"{LISTS}{needs_list.pk}/publish/", format="json")


def test_city_admin_publishes_a_draft_once(lists, world, api_as):
    api = api_as(world.users["city_admin"])
    draft = lists["draft"]

    first = publish(api, draft)
    second = publish(api, draft)

    assert first.status_code == 200
    assert first.json()["state"] == "published"
    assert first.json()["published_at"]
    assert second.status_code == 409
    draft.refresh_from_db()
    assert (draft.state, draft.published_by) == ("published", world.users["city_admin"])


class TestNeedsListPublish(NeedsListRecord):
    """Only city admins publish a draft; the viewer, who reads drafts, may not."""

    method = "post"
    action = "publish/"
    allowed = {"city_admin"}
    allowed_on = "draft"
    success = (200,)

    def unchanged(self, world):
        return NeedsList.objects.get(pk=self.lists["draft"].pk).state == "draft"

    def test_in_scope_without_the_role_is_forbidden(self, world, client_as, api_as, role):
        super().test_in_scope_without_the_role_is_forbidden(world, client_as, api_as, role)
        if role == "viewer":
            self.in_scope = "draft"
            super().test_in_scope_without_the_role_is_forbidden(world, client_as, api_as, role)

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert self.response.json()["state"] == "published"
        draft = NeedsList.objects.get(pk=self.lists["draft"].pk)
        assert (draft.state, draft.published_by) == ("published", world.users[role])


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_needs_lists_cannot_be_written_through_the_list_endpoints(lists, world, api_as, method):
    url = LISTS if method == "post" else f"{LISTS}{lists['draft'].pk}/"

    response = getattr(api_as(world.users["city_admin"]), method)(url, {"note": "改一下"}, format="json")

    assert response.status_code == 405
    assert NeedsList.objects.get(pk=lists["draft"].pk).note == ""
    assert NeedsList.objects.count() == 2
