"""The home page shows each role its own scope."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from communities.models import Role
from needs import services
from needs.models import Escalation, Need, ProblemCategory
from tests.factories import UserFactory, user_with_role
from tests.querycount import capture, tables


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "count", "shown", "hidden"),
    [
        ("city_admin", 4, ["东苑社区"], []),
        ("viewer", 4, [], []),
        ("town_staff", 2, [], ["北泾村", "西浜村"]),
        ("community_worker", 1, ["东苑社区"], ["南湾社区", "北泾村"]),
    ],
)
def test_home_page_counts_only_the_users_scope(client, world, role, count, shown, hidden):
    # Make one community of each town need attention.
    world.a1.alliances.first().delete()
    world.b1.alliances.first().delete()
    client.force_login(world.users[role])
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="count-communities">{count}<' in page
    for name in shown:
        assert name in page
    for name in hidden:
        assert name not in page


@pytest.mark.django_db
def test_attention_list_names_communities_short_of_units(client, world):
    world.b1.alliances.first().delete()
    client.force_login(world.users["city_admin"])
    page = client.get("/").content.decode()
    attention = page.split('data-testid="attention"')[1].split("</ul>")[0]
    assert "北泾村" in attention and "东苑社区" not in attention


@pytest.mark.django_db
def test_user_without_role_is_told_to_ask_for_one(client, world):
    client.force_login(UserFactory())
    page = client.get("/").content.decode()
    assert "市级管理员" in page  # "ask a city administrator"
    assert "东苑社区" not in page


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_user_list_page_queries_do_not_grow_with_users(client, world):
    expected = [
        "django_session",
        "auth_user",  # the signed-in user
        "communities_membership",  # their scope
        "count:auth_user",  # the paginator's count
        "auth_user",  # the page of users (50 a page)
        "communities_membership",  # the page's memberships with their town or community, one prefetch
    ]
    client.force_login(world.users["city_admin"])
    for extra in (5, 45):
        for _ in range(extra):
            user_with_role(Role.TOWN_STAFF, town=world.town_b)
        client.get("/users/")  # warm the per-process caches
        with capture() as queries:
            response = client.get("/users/")
        assert response.status_code == 200
        assert "沙溪镇" in response.content.decode()  # the new staff, with their town
        assert tables(queries) == expected, extra


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "own"),
    [
        ("city_admin", []),
        ("town_staff", ["communities_town"]),  # the towns of their scope, to name
        ("community_worker", ["communities_community"]),  # their own communities, with town and type
    ],
)
def test_home_page_queries_do_not_grow_with_overdue_escalations(client, world, role, own):
    # given unanswered escalations three days past due, half in each town
    admin = world.users["city_admin"]
    lighting = ProblemCategory.objects.get(code="street_lighting")
    past = timezone.localdate() - timedelta(days=3)
    expected = [
        "django_session",
        "auth_user",
        "communities_membership",  # scope
        "communities_communitytype",  # the types with their counts (chart)
        *(own if role == "community_worker" else []),
        "aggregate:communities_community",  # head-line figures
        "communities_community",  # communities needing attention
        *(own if role == "town_staff" else []),
        "needs_need",  # open, urgent and escalated needs, one aggregate
        "needs_escalation",  # the overdue escalations: need, community, town and who escalated, joined
    ]
    for n in (4, 40):
        while Escalation.objects.count() < n:
            i = Escalation.objects.count()
            need = services.need_create(
                by=admin,
                community=(world.a1, world.b1)[i % 2],
                title=f"需求{i}",
                category=lighting,
                raised_on=date(2024, 3, 5),
            )
            Escalation.objects.create(need=need, department=f"部门{i}", due_on=past, escalated_by=admin)
        Need.objects.update(status=Need.Status.ESCALATED)
        client.force_login(world.users[role])
        client.get("/")  # warm the per-process caches
        with capture() as queries:
            response = client.get("/")
        assert response.status_code == 200
        shown = min(n if role == "city_admin" else n // 2, 20)  # a1's half; twenty at most
        assert len(response.context["overdue"]) == shown
        assert tables(queries) == expected, n
