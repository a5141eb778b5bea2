"""Lists never run a query per row: the same number of queries at 10 and at 200 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Role
from tests.factories import AllianceFactory, CommunityFactory, TownFactory, community_type, user_with_role


def make_communities(n: int):
    towns = TownFactory.create_batch(4)
    types = [community_type("commercial_housing"), community_type("traditional_village")]
    for i in range(n):
        c = CommunityFactory(town=towns[i % 4], type=types[i % 2], model_year=2023 if i % 7 == 0 else None)
        if i % 3 == 0:
            AllianceFactory(community=c)
    return towns


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.TOWN_STAFF])
def test_community_list_page_queries_do_not_grow_with_rows(client, role):
    # Expected queries: session, user, memberships (scope), demo flag (context
    # processor, cached after), towns for the filter, types with counts, the
    # page's count and the page's rows (towns and types joined, units annotated).
    counts = {}
    for n in (10, 200):
        towns = make_communities(n if not counts else n - 10)
        user = user_with_role(role, town=towns[0] if role == Role.TOWN_STAFF else None)
        client.force_login(user)
        url = reverse("communities:list") + "?ordering=-units"
        client.get(url)  # warm the per-process caches (demo flag)
        counts[n] = count_queries(lambda url=url: client.get(url))
        response = client.get(url)
        assert response.status_code == 200
        # The page shows rows, so the count is not of an empty page.
        assert response.context["page"].paginator.count > 0
    assert counts[10] == counts[200]
    assert counts[200] <= 9


@pytest.mark.django_db
def test_community_list_endpoint_queries_do_not_grow_with_rows(api_as):
    # Expected queries: memberships (scope), the count, the page of rows with
    # town and type joined and the co-building units counted in the same query.
    counts = {}
    user = user_with_role(Role.CITY_ADMIN)
    for n, extra in ((10, 10), (200, 190)):
        make_communities(extra)
        api = api_as(user)
        response = api.get("/api/v1/communities/?page_size=200")
        assert response.status_code == 200
        assert response.json()["count"] == n
        assert len(response.json()["results"]) == n
        counts[n] = count_queries(lambda api=api: api.get("/api/v1/communities/?page_size=200"))
    assert counts[10] == counts[200]
    assert counts[200] <= 4


@pytest.mark.django_db
def test_community_types_endpoint_and_home_page_queries_are_fixed(api_as, client):
    counts = {}
    for n, extra in ((10, 10), (200, 190)):
        make_communities(extra)
        user = user_with_role(Role.VIEWER)
        client.force_login(user)
        client.get("/")
        counts[n] = (
            count_queries(lambda user=user: api_as(user).get("/api/v1/community-types/")),
            count_queries(lambda: client.get("/")),
        )
    assert counts[10] == counts[200]
