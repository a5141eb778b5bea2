"""Matching resources to a community's needs: best fit first, nearest first when the
fit is equal, full ones last, proven ones up; never what the community cannot use;
a fixed number of queries whatever the size of the catalogue."""

from decimal import Decimal

import pytest
from django.utils import translation

from projects.models import CategoryAffinity, Project, Resource, ResourceCategory
from projects.queries import match_resources
from tests.factories import CoBuildingUnitFactory, CommunityFactory
from tests.projects.factories import need_in, project_in, resource
from tests.querycount import capture, tables

S = Project.State
TOWN = Resource.Level.TOWN


@pytest.fixture(autouse=True)
def _english():
    """Reasons are read in English here."""
    with translation.override("en"):
        yield


@pytest.fixture
def worker(world):
    return world.users["community_worker"]


def fit(problem_code):
    """How well each resource category (by code) answers a problem category, from the table."""
    return dict(
        CategoryAffinity.objects.filter(problem_category__code=problem_code).values_list(
            "resource_category__code", "weight"
        )
    )


def names(matches):
    return [m.resource.name for m in matches]


def match(world, needs, **kwargs):
    matches = match_resources(community=world.a1, needs=needs, **kwargs)
    assert all(m.reasons for m in matches), "every match says why it is offered"
    return matches


def reasons_of(matches, name):
    return " | ".join(next(m for m in matches if m.resource.name == name).reasons)


def test_the_best_fitting_kind_of_resource_comes_first(world, worker):
    # given an elderly-care need, and the table's fit of four kinds of resources to it
    weights = fit("home_elderly_care")
    assert weights["social_workers"] > weights["volunteer_teams"] > weights["charity"] > 0
    assert "party_members" not in weights
    # named so that the alphabet would give the opposite order
    for name, category in [
        ("D 社工站", "social_workers"),
        ("C 志愿服务队", "volunteer_teams"),
        ("B 慈善基金", "charity"),
        ("A 党员先锋队", "party_members"),
    ]:
        resource(name, category=category, level=TOWN, town=world.town_a)
    need = need_in(world.a1, by=worker, title="居家养老", category="home_elderly_care")

    matches = match(world, [need])

    assert names(matches) == ["D 社工站", "C 志愿服务队", "B 慈善基金", "A 党员先锋队"]
    assert f"({weights['social_workers']}/3)" in reasons_of(matches, "D 社工站")
    assert "fits" not in reasons_of(matches, "A 党员先锋队")


def test_a_resource_is_ranked_by_its_best_fit_to_any_of_the_needs(world, worker):
    # given funds fit street lighting best but waste sorting only a little, party members the reverse
    lighting, sorting = fit("street_lighting"), fit("waste_sorting")
    assert lighting["funds"] > sorting["party_members"] > sorting["funds"]
    assert "party_members" not in lighting
    resource("A 惠民资金", category="funds", level=TOWN, town=world.town_a)
    resource("B 党员先锋队", category="party_members", level=TOWN, town=world.town_a)
    sorting_need = need_in(world.a1, by=worker, title="垃圾分类", category="waste_sorting")
    lighting_need = need_in(world.a1, by=worker, title="路灯不亮", category="street_lighting")

    # waste sorting alone: party members first
    assert names(match(world, [sorting_need])) == ["B 党员先锋队", "A 惠民资金"]
    # with the lighting need too: funds fit one of the needs best
    assert names(match(world, [sorting_need, lighting_need])) == ["A 惠民资金", "B 党员先锋队"]


def test_with_an_equal_fit_the_communitys_own_comes_before_the_towns_before_the_citys(world, worker):
    resource("A 市慈善总会基金", category="funds")
    resource("B 城厢镇惠民资金", category="funds", level=TOWN, town=world.town_a)
    resource("C 东苑社区微基金", category="funds", level=Resource.Level.COMMUNITY, community=world.a1)
    need = need_in(world.a1, by=worker, title="路灯不亮", category="street_lighting")

    matches = match(world, [need])

    assert names(matches) == ["C 东苑社区微基金", "B 城厢镇惠民资金", "A 市慈善总会基金"]
    assert "the community's own resource" in reasons_of(matches, "C 东苑社区微基金")
    assert "a resource of the town" in reasons_of(matches, "B 城厢镇惠民资金")
    assert "a city-wide resource" in reasons_of(matches, "A 市慈善总会基金")


def test_a_fully_committed_resource_comes_after_an_equal_free_one_and_says_why(world, worker):
    # given three town funds of 10,000 each
    full, free, released = (
        resource(name, category="funds", level=TOWN, town=world.town_a, capacity_amount=Decimal("10000"))
        for name in ("A 已用完的资金", "B 尚有余量的资金", "C 退回的资金")
    )
    # all of A committed by two active projects of the town (a2's and a1's)
    project_in(S.IN_PROGRESS, community=world.a2, by=worker, resources={full: Decimal("6000")}, title="甲")
    project_in(S.SUBMITTED, community=world.a1, by=worker, resources={full: Decimal("4000")}, title="乙")
    # part of B committed by an active one; all of C by projects no longer active
    project_in(S.APPROVED, community=world.a2, by=worker, resources={free: Decimal("2500")}, title="丙")
    project_in(S.WITHDRAWN, community=world.a2, by=worker, resources={released: Decimal("10000")}, title="丁")
    project_in(S.REJECTED, community=world.a2, by=worker, resources={released: Decimal("10000")}, title="戊")
    need = need_in(world.a1, by=worker, title="路灯不亮", category="street_lighting")

    matches = match(world, [need])

    assert names(matches)[-1] == "A 已用完的资金"
    score = {m.resource.name: m.score for m in matches}
    assert score["C 退回的资金"] == score["B 尚有余量的资金"] > score["A 已用完的资金"]
    remaining = {m.resource.name: m.remaining for m in matches}
    assert remaining == {
        "A 已用完的资金": Decimal("0"),
        "B 尚有余量的资金": Decimal("7500"),
        "C 退回的资金": Decimal("10000"),
    }
    assert "fully committed" in reasons_of(matches, "A 已用完的资金")
    assert "fully committed" not in reasons_of(matches, "B 尚有余量的资金")
    assert "fully committed" not in reasons_of(matches, "C 退回的资金")


def test_a_resource_proven_in_an_accepted_project_of_the_same_community_type_gets_a_bonus(world, worker):
    # given a3, another commercial-housing community of town A (a1's type); a2 is an old street
    a3 = CommunityFactory(town=world.town_a, name="西城社区", type=world.a1.type)
    assert world.a2.type != world.a1.type
    unused, proven, other_type, unfinished = (
        resource(name, category="funds", level=TOWN, town=world.town_a)
        for name in ("A 惠民资金", "B 验收过的资金", "C 老街用过的资金", "D 在用的资金")
    )
    project_in(S.ACCEPTED, community=a3, by=worker, resources={proven: None}, title="西城路灯")
    project_in(S.ACCEPTED, community=world.a2, by=worker, resources={other_type: None}, title="老街路灯")
    project_in(S.IN_PROGRESS, community=a3, by=worker, resources={unfinished: None}, title="西城二期")
    need = need_in(world.a1, by=worker, title="路灯不亮", category="street_lighting")

    matches = match(world, [need])

    assert names(matches)[0] == "B 验收过的资金"
    assert "used by 1 accepted projects of this community type" in reasons_of(matches, "B 验收过的资金")
    for name in ("A 惠民资金", "C 老街用过的资金", "D 在用的资金"):
        assert "used by" not in reasons_of(matches, name)
    score = {m.resource.name: m.score for m in matches}
    assert score["B 验收过的资金"] > score["A 惠民资金"] == score["C 老街用过的资金"] == score["D 在用的资金"]


def test_only_resources_the_community_may_use_are_offered(world, worker):
    offered = {
        resource("市级基金", category="funds").name,
        resource("城厢镇资金", category="funds", level=TOWN, town=world.town_a).name,
        resource("东苑活动室", category="spaces", level="community", community=world.a1).name,
    }
    resource("沙溪镇资金", category="funds", level=TOWN, town=world.town_b)
    resource("南湾活动室", category="spaces", level="community", community=world.a2)
    resource("北泾志愿者", category="volunteer_teams", level="community", community=world.b1)
    resource("停用的市级基金", category="funds", is_active=False)
    resource("停用的东苑基金", category="funds", level="community", community=world.a1, is_active=False)
    need = need_in(world.a1, by=worker, title="路灯不亮", category="street_lighting")

    assert set(names(match(world, [need], limit=50))) == offered


def test_matching_takes_four_queries_whatever_the_size_of_the_catalogue(world, worker):
    # given a catalogue spread over all levels, places, categories and providers,
    # with active and accepted projects drawing on it
    categories = list(ResourceCategory.objects.all())
    places = [
        {"level": "city"},
        {"level": TOWN, "town": world.town_a},
        {"level": TOWN, "town": world.town_b},
        {"level": "community", "community": world.a1},
        {"level": "community", "community": world.a2},
    ]
    units = CoBuildingUnitFactory.create_batch(3)
    a3 = CommunityFactory(town=world.town_a, type=world.a1.type)
    needs = [
        need_in(world.a1, by=worker, title="路灯不亮", category="street_lighting"),
        need_in(world.a1, by=worker, title="居家养老", category="home_elderly_care"),
    ]
    expected = [
        "projects_categoryaffinity",  # how well each kind of resource fits the needs' categories
        "projects_projectresource",  # past accepted projects of the community's type, by resource
        "projects_projectresource",  # the same, by kind of resource
        "projects_resource",  # the usable resources, category and provider joined, commitments summed
    ]
    for size in (20, 500):
        start = Resource.objects.count()
        Resource.objects.bulk_create(
            [
                Resource(
                    name=f"资源{i:03d}",
                    category=categories[i % len(categories)],
                    provider=units[i % 3] if i % 2 else None,
                    capacity_amount=Decimal(100 + i) if i % 3 else None,
                    capacity_unit="元",
                    is_active=bool(i % 7),
                    **places[i % len(places)],
                )
                for i in range(start, size)
            ]
        )
        batch = list(Resource.objects.filter(name__gte=f"资源{start:03d}").order_by("name")[:4])
        project_in(S.IN_PROGRESS, community=world.a1, by=worker, resources={batch[0]: Decimal(50)}, needs=[])
        project_in(S.ACCEPTED, community=a3, by=worker, resources={batch[1]: None}, needs=[])
        assert Resource.objects.count() == size

        with capture() as queries:
            matches = match(world, needs)

        usable = (
            Resource.objects.filter(is_active=True).exclude(town=world.town_b).exclude(community=world.a2)
        )
        assert len(matches) == min(15, usable.count())
        assert tables(queries) == expected, size
