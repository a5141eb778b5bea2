"""Lists never run a query per row: the same queries, listed, at 10 and at 200 rows."""

import pytest
from django.urls import reverse

from communities.models import Role
from tests.factories import AllianceFactory, CommunityFactory, TownFactory, community_type, user_with_role
from tests.querycount import capture, tables


def make_communities(n: int):
    towns = TownFactory.create_batch(4)
    types = [community_type("commercial_housing"), community_type("traditional_village")]
    for i in range(n):
        c = CommunityFactory(town=towns[i % 4], type=types[i % 2], model_year=2023 if i % 7 == 0 else None)
        if i % 3 == 0:
            AllianceFactory(community=c)
    return towns


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.TOWN_STAFF])
def test_community_list_page_queries_do_not_grow_with_rows(client, role):
    expected = [
        "django_session",
        "auth_user",
        "communities_membership",  # the user's scope
        "count:communities_community",  # the paginator's count
        "communities_town",  # towns for the filter
        "communities_communitytype",  # the types with their counts
        "communities_community",  # the page's rows, town and type joined, units counted
    ]
    for n in (10, 200):
        towns = make_communities(n if n == 10 else n - 10)
        user = user_with_role(role, town=towns[0] if role == Role.TOWN_STAFF else None)
        client.force_login(user)
        url = reverse("communities:list") + "?ordering=-units"
        client.get(url)  # warm the per-process caches (demo flag)
        with capture() as queries:
            response = client.get(url)
        assert response.status_code == 200
        # The page shows rows, so the count is not of an empty page.
        assert response.context["page"].paginator.count > 0
        assert tables(queries) == expected, n


@pytest.mark.django_db
def test_community_list_endpoint_queries_do_not_grow_with_rows(api_as):
    expected = [
        "communities_membership",  # the user's scope
        "count:communities_community",  # the count
        "communities_community",  # the page of rows, town and type joined, units counted
    ]
    user = user_with_role(Role.CITY_ADMIN)
    for n, extra in ((10, 10), (200, 190)):
        make_communities(extra)
        fresh = type(user).objects.get(pk=user.pk)  # the scope is cached on the user object
        with capture() as queries:
            response = api_as(fresh).get("/api/v1/communities/?page_size=200")
        assert response.status_code == 200
        assert response.json()["count"] == n
        assert len(response.json()["results"]) == n
        assert tables(queries) == expected, n


@pytest.mark.django_db
def test_community_types_endpoint_and_home_page_queries_are_fixed(api_as, client):
    expected_endpoint = ["communities_membership", "communities_communitytype"]
    expected_home = [
        "django_session",
        "auth_user",
        "communities_membership",  # scope
        "communities_communitytype",  # the types with their counts (chart)
        "aggregate:communities_community",  # head-line figures
        "communities_community",  # communities needing attention
        "needs_need",  # open, urgent and escalated needs, one aggregate
        "needs_escalation",  # overdue escalations
    ]
    for _n, extra in ((10, 10), (200, 190)):
        make_communities(extra)
        user = user_with_role(Role.VIEWER)
        client.force_login(user)
        client.get("/")
        with capture() as queries:
            assert api_as(user).get("/api/v1/community-types/").status_code == 200
        assert tables(queries) == expected_endpoint
        with capture() as queries:
            assert client.get("/").status_code == 200
        assert tables(queries) == expected_home
