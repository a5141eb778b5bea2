"""The needs pages, exports and endpoints never run a query per row: each test lists
the queries it expects, in order, and finds the same list at two data sizes."""

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from communities.models import CommunityType
from needs import services
from needs.models import Need, NeedsList, NeedSurvey, ProblemCategory
from tests.querycount import capture, tables

SESSION = ["django_session", "auth_user", "communities_membership"]  # a page: session, user, scope


def fresh(user):
    """Each request loads its user afresh (the scope is cached on the object)."""
    return type(user).objects.get(pk=user.pk)


def category(code):
    return ProblemCategory.objects.get(code=code)


def make_needs(world, total: int, communities=None, **fields) -> None:
    """Needs up to ``total``, spread over the four communities (or those given) and
    three categories; every other one with a resident's number."""
    admin = world.users["city_admin"]
    communities = communities or (world.a1, world.a2, world.b1, world.b2)
    categories = [category(code) for code in ("street_lighting", "ev_charging", "neighbour_disputes")]
    Need.objects.bulk_create(
        [
            Need(
                community=communities[i % len(communities)],
                category=categories[i % 3],
                raised_on=date(2024, 1 + i % 12, 1 + i % 28),
                title=f"需求{total}-{i}",
                mobile="13812345678" if i % 2 else "",
                resident_name="张三" if i % 2 else "",
                logged_by=admin,
                **fields,
            )
            for i in range(Need.objects.count(), total)
        ]
    )


def page_queries(client, user, url):
    """The page's queries, once the per-process caches are warm; and the response."""
    client.force_login(user)
    client.get(url)
    with capture() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return tables(queries), response


def endpoint_queries(api_as, user, url):
    api = api_as(fresh(user))
    with capture() as queries:
        response = api.get(url)
    assert response.status_code == 200
    return tables(queries), response.json()


# --- needs ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["city_admin", "viewer"])
def test_needs_page_and_endpoint(client, api_as, world, role):
    user = world.users[role]
    expected_page = [
        *SESSION,
        "count:needs_need",  # the paginator's count
        "communities_town",  # the filter's towns
        "communities_communitytype",  # the filter's types
        "needs_problemcategory",  # the filter's categories
        "needs_need",  # the page's rows: community, town, type and category joined
    ]
    expected_endpoint = [
        "communities_membership",  # scope
        "count:needs_need",  # the count
        "needs_need",  # the rows, joined as on the page (and the survey)
    ]
    for n in (10, 200):
        make_needs(world, n)
        page, response = page_queries(client, user, "/needs/?page=1")
        assert response.context["page"].paginator.count == n
        assert len(response.context["page"].object_list) == min(n, 30)
        assert page == expected_page, n
        endpoint, body = endpoint_queries(api_as, user, "/api/v1/needs/?page_size=200")
        assert body["count"] == len(body["results"]) == n
        assert endpoint == expected_endpoint, n


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(
    ("role", "logged"),
    # The city admin sees the full numbers, and each one shown is logged in one INSERT
    # (SQLite would split it past 249 rows, its limit of 999 parameters; 100 here).
    [("city_admin", ["needs_mobileview"]), ("viewer", [])],
)
def test_needs_export(client, world, role, logged, fmt):
    user = world.users[role]
    expected = [*SESSION, "needs_need", *logged]  # the rows, joined as on the page
    for n in (10, 200):
        make_needs(world, n)
        queries, response = page_queries(client, user, reverse("needs:export", args=[fmt]))
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
            assert sheet.max_row == n + 1  # header and one row per need
        else:
            assert response.content.decode("utf-8-sig").count("\n") == n + 1
        assert queries == expected, n


# --- surveys -------------------------------------------------------------------------------


def make_surveys(world, total: int) -> None:
    NeedSurvey.objects.bulk_create(
        [
            NeedSurvey(
                community=(world.a1, world.b1)[i % 2],
                date=date(2024, 1, 1),
                channel="visit",
                conducted_by=world.users["city_admin"],
            )
            for i in range(NeedSurvey.objects.count(), total)
        ]
    )


@pytest.mark.django_db
def test_surveys_page_and_endpoint(client, api_as, world):
    admin = world.users["city_admin"]
    expected_page = [
        *SESSION,
        "count:needs_needsurvey",  # the paginator's count
        "needs_needsurvey",  # the rows: community, town, who ran it, need count, one query
    ]
    expected_endpoint = ["communities_membership", "count:needs_needsurvey", "needs_needsurvey"]
    for n in (5, 60):
        make_surveys(world, n)
        page, response = page_queries(client, admin, "/surveys/")
        assert response.context["page"].paginator.count == n
        assert page == expected_page, n
        endpoint, body = endpoint_queries(api_as, admin, "/api/v1/surveys/")
        assert body["count"] == n
        assert endpoint == expected_endpoint, n


@pytest.mark.django_db
def test_survey_page_with_its_needs(client, world):
    worker = world.users["community_worker"]
    survey = services.survey_create(by=worker, community=world.a1, date=date(2024, 3, 5), channel="visit")
    expected = [
        *SESSION,
        "needs_needsurvey",  # the survey: community, town, type and who ran it joined
        "needs_need",  # its needs, category joined
        "needs_problemcategory",  # the categories offered for fast entry
    ]
    for n in (3, 30):
        make_needs(world, n, communities=[world.a1], survey=survey)
        queries, response = page_queries(client, worker, reverse("needs:survey", args=[survey.pk]))
        assert f"需求{n}-{n - 1}" in response.content.decode()
        assert queries == expected, n


# --- needs lists ---------------------------------------------------------------------------


def make_lists(world, total: int) -> None:
    """Lists up to ``total`` over the eight types, every other one published."""
    admin = world.users["city_admin"]
    types = list(CommunityType.objects.order_by("order"))
    while NeedsList.objects.count() < total:
        needs_list = services.needs_list_compile(
            community_type=types[NeedsList.objects.count() % len(types)], year=2024, by=admin
        )
        if NeedsList.objects.count() % 2:
            services.needs_list_publish(needs_list=needs_list, by=admin)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "compile_form"),
    # Only the city admin is offered the compile form, with its choice of types.
    [("city_admin", ["communities_communitytype"]), ("town_staff", [])],
)
def test_needs_lists_page_and_endpoint(client, api_as, world, role, compile_form):
    user = world.users[role]
    for community in (world.a1, world.a2, world.b1, world.b2):
        services.need_create(
            by=world.users["city_admin"],
            community=community,
            title="路灯",
            category=category("street_lighting"),
            raised_on=date(2024, 2, 1),
        )
    expected_page = [
        *SESSION,
        *compile_form,
        "needs_needslist",  # the lists: type, who compiled and published joined, items counted
    ]
    expected_endpoint = [
        "communities_membership",  # scope
        "count:needs_needslist",  # the count
        "needs_needslist",  # the lists, type joined
        "needs_needslistitem",  # every list's items, category joined, one prefetch
    ]
    for n in (2, 16):
        make_lists(world, n)
        shown = NeedsList.objects.count() if role == "city_admin" else n // 2
        page, response = page_queries(client, user, "/needs-lists/")
        assert len(response.context["lists"]) == shown
        assert page == expected_page, n
        endpoint, body = endpoint_queries(api_as, user, "/api/v1/needs-lists/")
        assert body["count"] == shown
        assert endpoint == expected_endpoint, n


@pytest.mark.django_db
def test_a_needs_lists_page_export_and_record(client, api_as, world):
    admin = world.users["city_admin"]
    community_type = world.a1.type
    expected_page = [
        *SESSION,
        "needs_needslist",  # the list: type, who compiled and published joined
        "needs_needslistitem",  # its items, category joined
    ]
    expected_endpoint = ["communities_membership", "needs_needslist", "needs_needslistitem"]
    for n in (2, 20):
        # n needs of n categories in a1: a list of n items.
        for code in ProblemCategory.objects.order_by("order").values_list("code", flat=True)[:n]:
            if not Need.objects.filter(category__code=code).exists():
                services.need_create(
                    by=admin,
                    community=world.a1,
                    title=code,
                    category=category(code),
                    raised_on=date(2024, 2, 1),
                )
        needs_list = services.needs_list_compile(community_type=community_type, year=2024, by=admin)
        assert needs_list.items.count() == n
        page, response = page_queries(client, admin, reverse("needs:list_detail", args=[needs_list.pk]))
        assert page == expected_page, n
        export, response = page_queries(client, admin, reverse("needs:list_export", args=[needs_list.pk]))
        assert openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].max_row == n + 1
        assert export == expected_page, n
        endpoint, body = endpoint_queries(api_as, admin, f"/api/v1/needs-lists/{needs_list.pk}/")
        assert len(body["items"]) == n
        assert endpoint == expected_endpoint, n


# --- categories ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_categories_page_and_endpoint(client, api_as, world):
    admin = world.users["city_admin"]
    expected_page = [
        *SESSION,
        "needs_problemcategory",  # the categories, each with its count of the user's needs
        "communities_communitytype",  # the types each category is for, one prefetch
    ]
    # The taxonomy is the same for everyone: the endpoint asks for no scope.
    expected_endpoint = ["needs_problemcategory", "communities_communitytype"]
    for extra in (0, 40):
        ProblemCategory.objects.bulk_create(
            [
                ProblemCategory(
                    code=f"extra_{i}",
                    name=f"新增类别{i}",
                    name_en=f"Extra {i}",
                    domain="service",
                    order=100 + i,
                )
                for i in range(extra)
            ]
        )
        page, response = page_queries(client, admin, "/categories/")
        assert len(response.context["categories"]) == 45 + extra
        assert page == expected_page, extra
        endpoint, body = endpoint_queries(api_as, admin, "/api/v1/problem-categories/")
        assert len(body) == 45 + extra
        assert endpoint == expected_endpoint, extra
