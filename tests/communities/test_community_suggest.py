"""The community picker's suggestions: names from the user's own scope only, a
few at a time, a code where a name is shared."""

import re

import pytest
from django.urls import reverse

from communities.views import SUGGESTIONS_SHOWN
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db

URL = reverse("communities:suggest")


def options(response):
    return re.findall(r'<option value="([^"]*)">([^<]*)</option>', response.content.decode())


def test_town_staff_never_gets_another_towns_community(client_as, world):
    # world: 城厢镇 holds 东苑社区 and 南湾社区; 沙溪镇 holds 北泾村 and 西浜村.
    client = client_as(world.users["town_staff"])
    for typed in ("", "村", "北泾", world.b1.code, "3205851012"):
        values = [v for v, _ in options(client.get(URL, {"community": typed}))]
        assert world.b1.name not in values and world.b1.code not in values, typed
        assert world.b2.name not in values and world.b2.code not in values, typed
    values = [v for v, _ in options(client.get(URL, {"community": "社区"}))]
    assert sorted(values) == sorted([world.a1.name, world.a2.name])


def test_a_community_worker_is_offered_only_their_community(client_as, world):
    client = client_as(world.users["community_worker"])
    assert [v for v, _ in options(client.get(URL))] == [world.a1.name]


def test_a_city_admin_finds_any_community_by_name_or_code(client_as, world):
    client = client_as(world.users["city_admin"])
    assert [v for v, _ in options(client.get(URL, {"community": "北泾"}))] == [world.b1.name]
    assert [v for v, _ in options(client.get(URL, {"community": world.b2.code}))] == [world.b2.name]


def test_at_most_twenty_rows_whatever_the_scope(client_as, world):
    for n in range(SUGGESTIONS_SHOWN + 5):
        CommunityFactory(town=world.town_b, name=f"新建社区{n:02d}", code=f"3205851013{n:02d}")
    response = client_as(world.users["city_admin"]).get(URL, {"community": "新建"})
    assert len(options(response)) == SUGGESTIONS_SHOWN == 20


def test_a_name_shared_inside_the_scope_is_offered_by_its_code(client_as, world):
    twin = CommunityFactory(town=world.town_b, name=world.a1.name, code="320585101299")
    found = dict(options(client_as(world.users["city_admin"]).get(URL, {"community": world.a1.name})))
    assert set(found) == {world.a1.code, twin.code}
    # Town staff of 城厢镇 see one 东苑社区 only: its name is enough.
    found = dict(options(client_as(world.users["town_staff"]).get(URL, {"community": world.a1.name})))
    assert set(found) == {world.a1.name}


def test_the_chosen_name_filters_the_needs_list(client_as, world):
    from tests.projects.factories import need_in

    need_in(world.a1, by=world.users["community_worker"], title="东苑的路灯")
    need_in(world.a2, by=world.users["community_worker"], title="南湾的路灯")
    page = client_as(world.users["town_staff"]).get("/needs/", {"community": world.a1.name})
    assert "东苑的路灯" in page.content.decode() and "南湾的路灯" not in page.content.decode()


def test_anonymous_visitors_get_nothing(client, world):
    response = client.get(URL, {"community": "东"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
