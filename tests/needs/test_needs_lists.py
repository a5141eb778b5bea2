"""The per-type needs list (需求清单): compiled from logged needs, ranked, edited as
a draft, frozen when published."""

import re
from datetime import date

import pytest

from communities.models import Role
from needs import services
from needs.models import Need, NeedsList, ProblemCategory
from tests.factories import CommunityFactory, TownFactory, community_type, user_with_role
from tests.querycount import capture, tables


def cat(code):
    return ProblemCategory.objects.get(code=code)


def log(community, code, *, by, day=date(2024, 5, 1), urgent=False, title=None):
    return services.need_create(
        by=by,
        community=community,
        category=cat(code),
        raised_on=day,
        urgent=urgent,
        title=title or f"{code}-{community.pk}",
    )


@pytest.fixture
def admin(db):
    return user_with_role(Role.CITY_ADMIN, username="list_admin")


@pytest.fixture
def three_estates(admin):
    """Three commercial-housing communities and one old-street one."""
    town = TownFactory()
    estates = [CommunityFactory(town=town, type=community_type("commercial_housing")) for _ in range(3)]
    old = CommunityFactory(town=town, type=community_type("old_street"))
    e1, e2, e3 = estates
    # ev_charging: raised in 3 communities (4 needs); parking: 2 communities but 5 needs;
    # disputes: 1 community. The old-street needs must not count.
    for c in estates:
        log(c, "ev_charging", by=admin)
    log(e1, "ev_charging", by=admin, urgent=True, title="又一个充电桩")
    for _ in range(4):
        log(e1, "parking_power_expansion", by=admin, title=f"停车{_}")
    log(e2, "parking_power_expansion", by=admin)
    log(e3, "neighbour_disputes", by=admin)
    log(old, "neighbour_disputes", by=admin)
    log(old, "old_estate_renovation", by=admin)
    # Another year does not count either.
    log(e2, "neighbour_disputes", by=admin, day=date(2023, 5, 1))
    return estates


def items_of(needs_list):
    return [
        (i.position, i.category.code, i.community_count, i.need_count, i.open_count, i.urgent_count)
        for i in needs_list.items.select_related("category").order_by("position")
    ]


def test_compiling_ranks_the_types_problems_by_communities_then_needs(three_estates, admin):
    needs_list = services.needs_list_compile(
        community_type=community_type("commercial_housing"), year=2024, by=admin
    )
    assert needs_list.state == NeedsList.State.DRAFT and needs_list.version == 1
    assert items_of(needs_list) == [
        (1, "ev_charging", 3, 4, 4, 1),
        (2, "parking_power_expansion", 2, 5, 5, 0),
        (3, "neighbour_disputes", 1, 1, 1, 0),
    ]
    assert needs_list.needs_total == 10
    assert needs_list.communities_total == 3


def test_open_count_leaves_out_closed_needs(three_estates, admin):
    need = Need.objects.filter(category__code="parking_power_expansion").first()
    services.need_close(need=need, by=admin, reason="重复")
    needs_list = services.needs_list_compile(
        community_type=community_type("commercial_housing"), year=2024, by=admin
    )
    parking = needs_list.items.get(category__code="parking_power_expansion")
    assert (parking.need_count, parking.open_count) == (5, 4)


def test_published_list_is_frozen_against_later_needs(three_estates, admin):
    ctype = community_type("commercial_housing")
    needs_list = services.needs_list_compile(community_type=ctype, year=2024, by=admin)
    services.needs_list_publish(needs_list=needs_list, by=admin)
    before = items_of(needs_list)
    log(three_estates[2], "parking_power_expansion", by=admin, title="后来的需求")
    needs_list.refresh_from_db()
    assert items_of(needs_list) == before
    with pytest.raises(services.ConflictError):
        services.needs_list_edit(needs_list=needs_list, by=admin, note="改一改")
    with pytest.raises(services.ConflictError):
        services.needs_list_publish(needs_list=needs_list, by=admin)
    # A new version sees the new need: parking now ties on communities and leads on needs.
    v2 = services.needs_list_compile(community_type=ctype, year=2024, by=admin)
    assert v2.version == 2
    assert items_of(v2)[0][1:4] == ("parking_power_expansion", 3, 6)


def test_draft_can_be_annotated_and_reordered(three_estates, admin):
    needs_list = services.needs_list_compile(
        community_type=community_type("commercial_housing"), year=2024, by=admin
    )
    items = list(needs_list.items.order_by("position"))
    new_order = [items[2].pk, items[0].pk, items[1].pk]
    services.needs_list_edit(
        needs_list=needs_list,
        by=admin,
        note="结合年度重点工作调整",
        order=new_order,
        item_notes={str(items[2].pk): "优先解决"},
    )
    needs_list.refresh_from_db()
    assert needs_list.note == "结合年度重点工作调整"
    assert [i[1] for i in items_of(needs_list)] == [
        "neighbour_disputes",
        "ev_charging",
        "parking_power_expansion",
    ]
    assert needs_list.items.get(pk=items[2].pk).note == "优先解决"


def test_reorder_must_list_every_item_once(three_estates, admin):
    needs_list = services.needs_list_compile(
        community_type=community_type("commercial_housing"), year=2024, by=admin
    )
    ids = list(needs_list.items.values_list("pk", flat=True))
    for bad in (ids[:2], ids + [ids[0]], [*ids[:2], 999999]):
        with pytest.raises(services.NeedsError):
            services.needs_list_edit(needs_list=needs_list, by=admin, order=bad)
    assert [i[0] for i in items_of(needs_list)] == [1, 2, 3]


def test_only_city_admins_compile_and_publish(three_estates, admin):
    from django.core.exceptions import PermissionDenied

    staff = user_with_role(Role.TOWN_STAFF, town=three_estates[0].town)
    with pytest.raises(PermissionDenied):
        services.needs_list_compile(community_type=community_type("commercial_housing"), year=2024, by=staff)
    needs_list = services.needs_list_compile(
        community_type=community_type("commercial_housing"), year=2024, by=admin
    )
    with pytest.raises(PermissionDenied):
        services.needs_list_publish(needs_list=needs_list, by=staff)
    assert NeedsList.objects.get().state == NeedsList.State.DRAFT


def test_compile_runs_the_same_queries_whatever_the_number_of_needs(admin):
    ctype = community_type("commercial_housing")
    town = TownFactory()
    communities = [CommunityFactory(town=town, type=ctype) for _ in range(5)]
    categories = list(ProblemCategory.objects.all()[:10])
    services.needs_list_compile(community_type=ctype, year=2024, by=admin)  # the admin's scope, cached
    expected = [
        "communities_communitytype",  # the type, locked: two compilations get distinct versions
        "needs_needslist",  # the last version of the type's list for the year
        "needs_need",  # the ranked figures, one aggregate
        "count:communities_community",  # the type's active communities
        "needs_needslist",  # the draft
        "needs_historicalneedslist",  # its history row
        "needs_needslistitem",  # its items, one INSERT
    ]
    for n in (20, 400):
        Need.objects.bulk_create(
            [
                Need(
                    community=communities[i % 5],
                    category=categories[i % 10],
                    raised_on=date(2024, 1 + i % 12, 1),
                    title=f"需求{n}-{i}",
                    logged_by=admin,
                )
                for i in range(n)
            ]
        )
        with capture() as queries:
            services.needs_list_compile(community_type=ctype, year=2024, by=admin)
        assert tables(queries) == expected, n
    assert NeedsList.objects.order_by("-version").first().needs_total == 420
    assert NeedsList.objects.order_by("-version").first().items.count() == 10


def test_community_panel_shows_own_counts_beside_the_types_list(three_estates, admin, client):
    ctype = community_type("commercial_housing")
    needs_list = services.needs_list_compile(community_type=ctype, year=2024, by=admin)
    services.needs_list_publish(needs_list=needs_list, by=admin)
    client.force_login(admin)
    page = client.get(f"/communities/{three_estates[0].pk}/needs-panel/").content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")
    # e1 raised ev_charging twice and parking four times; the type counts stay beside.
    assert "新能源车充电桩增设" in rows[0] and ">3<" in rows[0] and ">2<" in rows[0]
    assert "停车位及停车场电力扩容" in rows[1] and ">4<" in rows[1]


def test_a_refused_draft_edit_comes_back_as_it_was_sent_with_the_error_beside_the_note(
    three_estates, admin, client
):
    # given a draft of three items
    needs_list = services.needs_list_compile(
        community_type=community_type("commercial_housing"), year=2024, by=admin
    )
    items = list(needs_list.items.order_by("position"))
    client.force_login(admin)

    # when the admin notes the list, notes one item, reorders, and types too long a note on another
    response = client.post(
        f"/needs-lists/{needs_list.pk}/",
        {
            "list_note": "结合年度重点工作调整",
            f"note-{items[0].pk}": "优先解决",
            f"note-{items[1].pk}": "长" * 2001,
            f"note-{items[2].pk}": "",
            "order": [items[2].pk, items[0].pk, items[1].pk],
        },
    )

    # then nothing is written, and the page shows everything as it was sent
    assert response.status_code == 400
    page = response.content.decode()
    assert "结合年度重点工作调整" in page
    assert 'value="优先解决"' in page
    assert f'id="note-{items[1].pk}-error-1"' in page
    assert 'maxlength="2000"' in page
    shown_order = [int(pk) for pk in re.findall(r'name="order" value="(\d+)"', page)]
    assert shown_order == [items[2].pk, items[0].pk, items[1].pk]
    needs_list.refresh_from_db()
    assert needs_list.note == ""
    assert [i.pk for i in needs_list.items.order_by("position")] == [i.pk for i in items]


def test_a_refused_compile_keeps_the_chosen_type_and_year_beside_the_error(admin, client):
    client.force_login(admin)
    village = community_type("village_to_urban")

    response = client.post("/needs-lists/compile/", {"community_type": village.pk, "year": "1999"})

    assert response.status_code == 400
    page = response.content.decode()
    assert f'<option value="{village.pk}" selected>' in page
    assert 'value="1999"' in page
    assert 'id="id_year-error-1"' in page
    assert not NeedsList.objects.exists()
