"""The registry's data: the eight types, the demo city, reclassification and alliances."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from communities import services
from communities.models import Alliance, Community, CommunityType, Membership, Reclassification, Role, Town
from tests.factories import CoBuildingUnitFactory, CommunityFactory, community_type

EXPECTED_TYPES = {
    "commercial_housing": ("普通商品房社区", "urban", "和美宜居"),
    "old_street": ("老街巷社区", "urban", "改造提升"),
    "resettlement": ("动迁安置社区", "urban", "睦邻共建"),
    "village_to_urban": ("村改居社区", "urban", "城市融入"),
    "traditional_village": ("传统乡村", "rural", "宜居宜业"),
    "periurban_village": ("城郊融合村", "rural", "同体发展"),
    "distinctive_village": ("特色乡村", "rural", "村美民富"),
    "merged_village": ("拆迁撤并村", "rural", "平稳过渡"),
}


@pytest.mark.django_db
def test_the_eight_types_load_with_their_exact_goals():
    loaded = {t.code: (t.name, t.area, t.goal) for t in CommunityType.objects.all()}
    assert loaded == EXPECTED_TYPES


@pytest.fixture
def demo_city(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_demo_city_has_taicangs_figures(demo_city):
    assert set(Town.objects.values_list("name", flat=True)) == {
        "城厢镇",
        "沙溪镇",
        "浏河镇",
        "浮桥镇",
        "璜泾镇",
        "双凤镇",
        "娄东街道",
        "陆渡街道",
    }
    assert Community.objects.count() == 162
    assert Community.objects.filter(pilot_year=2022).count() == 48
    assert Community.objects.filter(pilot_year__lte=2023).count() == 119
    assert Community.objects.filter(pilot_year__lte=2024).count() == 162
    models = Community.objects.filter(model_year__isnull=False)
    assert models.count() == 9
    assert min(models.values_list("model_year", flat=True)) == 2023
    # One model per type at least ("one type, one model").
    assert models.values("type").distinct().count() == 8
    # Every type is used, and every community has a big party committee.
    assert Community.objects.values("type").distinct().count() == 8
    assert Community.objects.filter(has_party_committee=True).count() == 162
    # All but a few communities have at least four co-building units.
    short = Community.objects.with_unit_count().filter(unit_count__lt=4).count()
    assert 0 < short <= 10


def test_demo_accounts_hold_their_roles(demo_city):
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "city_admin": Role.CITY_ADMIN,
        "town_staff": Role.TOWN_STAFF,
        "community_worker": Role.COMMUNITY_WORKER,
        "viewer": Role.VIEWER,
    }
    staff = Membership.objects.get(user__username="town_staff")
    worker = Membership.objects.get(user__username="community_worker")
    assert staff.town.name == "城厢镇"
    assert worker.community.town.name == "城厢镇"


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo")
    assert not Community.objects.exists()


def test_seed_demo_if_empty_keeps_existing_data(demo_city):
    call_command("seed_demo", "--if-empty", verbosity=0)
    assert Community.objects.count() == 162
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)


def test_demo_data_is_marked_in_the_footer(demo_city, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="viewer"))
    page = client.get("/").content.decode()
    assert 'data-testid="demo-badge"' in page


@pytest.mark.django_db
def test_reclassification_keeps_who_when_from_to_and_why(world):
    admin = world.users["city_admin"]
    old_type = world.b1.type
    services.community_reclassify(
        community=world.b1, to_type=community_type("village_to_urban"), reason="撤村建居", by=admin
    )
    world.b1.refresh_from_db()
    assert world.b1.type.code == "village_to_urban"
    record = Reclassification.objects.get(community=world.b1)
    assert (record.from_type, record.to_type.code, record.reason, record.decided_by) == (
        old_type,
        "village_to_urban",
        "撤村建居",
        admin,
    )
    # The change history records the acting user too.
    latest = world.b1.history.latest()
    assert latest.history_user == admin and latest.type_id == world.b1.type_id


@pytest.mark.django_db
def test_reclassification_needs_a_reason_and_a_new_type(world):
    admin = world.users["city_admin"]
    with pytest.raises(ValidationError) as no_reason:
        services.community_reclassify(
            community=world.b1, to_type=community_type("old_street"), reason="  ", by=admin
        )
    assert "reason" in no_reason.value.error_dict
    with pytest.raises(ValidationError) as same_type:
        services.community_reclassify(community=world.b1, to_type=world.b1.type, reason="同类", by=admin)
    assert "to_type" in same_type.value.error_dict
    assert not Reclassification.objects.exists()


@pytest.mark.django_db
def test_stale_reclassification_is_a_conflict(world):
    admin = world.users["city_admin"]
    seen_type = world.a1.type
    services.community_reclassify(
        community=world.a1, to_type=community_type("old_street"), reason="改造", by=admin
    )
    with pytest.raises(services.ConflictError):
        services.community_reclassify(
            community=world.a1,
            to_type=community_type("resettlement"),
            reason="另一位管理员",
            expected_type=seen_type,
            by=admin,
        )
    world.a1.refresh_from_db()
    assert world.a1.type.code == "old_street"
    assert Reclassification.objects.count() == 1


@pytest.mark.django_db
def test_only_city_admins_reclassify(world):
    with pytest.raises(PermissionDenied):
        services.community_reclassify(
            community=world.a1, to_type=community_type("old_street"), reason="x", by=world.users["town_staff"]
        )


@pytest.mark.django_db
def test_bad_community_fields_are_refused_with_nothing_written(world):
    admin = world.users["city_admin"]
    before = Community.objects.count()
    cases = [
        dict(code="12345", name="短码社区"),  # not 12 digits
        dict(code=world.a1.code, name="重码社区"),  # duplicate code
        dict(code="320585100099", name=world.a1.name),  # duplicate name in the town
        dict(code="320585100098", name="缺级别社区", pilot_year=2023),  # pilot without level
        dict(code="320585100097", name="负面积社区", area_km2=-1),
    ]
    for fields in cases:
        with pytest.raises(ValidationError):
            services.community_create(by=admin, town=world.town_a, type=community_type(), **fields)
    assert Community.objects.count() == before


@pytest.mark.django_db
def test_town_staff_may_change_only_profile_fields(world):
    staff = world.users["town_staff"]
    services.community_update(community=world.a1, by=staff, households=2000)
    world.a1.refresh_from_db()
    assert world.a1.households == 2000
    with pytest.raises(PermissionDenied):
        services.community_update(community=world.a1, by=staff, name="改名社区", households=1)
    world.a1.refresh_from_db()
    assert (world.a1.name, world.a1.households) == ("东苑社区", 2000)


@pytest.mark.django_db
def test_alliance_counts_only_current_units_and_refuses_duplicates(world):
    admin = world.users["city_admin"]
    alliance = world.a1.alliances.first()
    services.alliance_end(alliance=alliance, ended_on=date.today(), by=admin)
    c = Community.objects.with_unit_count().get(pk=world.a1.pk)
    assert c.unit_count == 3
    unit = CoBuildingUnitFactory()
    services.alliance_add(community=world.a1, unit=unit, since=date(2024, 1, 1), by=admin)
    with pytest.raises(ValidationError) as duplicate:
        services.alliance_add(community=world.a1, unit=unit, since=date(2024, 2, 1), by=admin)
    assert "unit" in duplicate.value.error_dict
    assert Alliance.objects.filter(community=world.a1, unit=unit).count() == 1


@pytest.mark.django_db
def test_membership_place_must_match_role(world):
    admin = world.users["city_admin"]
    user = world.users["viewer"]
    for kwargs in (
        dict(role=Role.TOWN_STAFF),  # no town
        dict(role=Role.COMMUNITY_WORKER, town=world.town_a),  # town instead of community
        dict(role=Role.CITY_ADMIN, community=world.a1),  # city role with a place
    ):
        with pytest.raises(ValidationError):
            services.membership_add(user=user, by=admin, **kwargs)
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_scope_is_the_union_of_memberships(world):
    from communities.access import visible_communities

    worker = world.users["community_worker"]
    Membership.objects.create(user=worker, role=Role.COMMUNITY_WORKER, community=world.b2)
    names = set(visible_communities(worker).values_list("name", flat=True))
    assert names == {"东苑社区", "西浜村"}


@pytest.mark.django_db
def test_user_without_membership_sees_nothing(world):
    from communities.access import visible_communities, visible_towns
    from tests.factories import UserFactory

    nobody = UserFactory()
    assert not visible_communities(nobody).exists()
    assert not visible_towns(nobody).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_reclassifying_at_once_one_wins(world):
    """On PostgreSQL: row locks make the second reclassification a clear conflict."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking is tested on PostgreSQL")
    admin = world.users["city_admin"]
    seen = world.b1.type
    results = []
    barrier = threading.Barrier(2)

    def act(code):
        from django.db import connections

        try:
            barrier.wait()
            services.community_reclassify(
                community=Community.objects.get(pk=world.b1.pk),
                to_type=community_type(code),
                reason=f"改为{code}",
                expected_type=seen,
                by=admin,
            )
            results.append("ok")
        except services.ConflictError:
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(c,)) for c in ("merged_village", "periurban_village")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    assert Reclassification.objects.filter(community=world.b1).count() == 1


@pytest.mark.django_db
def test_counts_by_type_follow_scope(world):
    from communities.queries import types_with_counts

    staff_counts = {t.code: t.community_count for t in types_with_counts(world.users["town_staff"])}
    assert sum(staff_counts.values()) == 2
    assert staff_counts["commercial_housing"] == 1 and staff_counts["old_street"] == 1
    all_counts = Community.objects.values("type__code").annotate(n=Count("id"))
    assert sum(r["n"] for r in all_counts) == 4


@pytest.mark.django_db
def test_archived_communities_are_kept_and_left_out_of_counts(world):
    from communities.queries import scope_summary

    services.community_set_archived(community=world.b2, archived=True, by=world.users["city_admin"])
    assert Community.objects.filter(pk=world.b2.pk).exists()
    assert scope_summary(world.users["viewer"])["communities"] == 3
    CommunityFactory(town=world.town_b)
    assert scope_summary(world.users["viewer"])["communities"] == 4


@pytest.mark.django_db
def test_change_history_names_the_user_and_shows_town_and_type_by_name(world, client):
    admin = world.users["city_admin"]
    client.force_login(admin)
    response = client.post(
        f"/communities/{world.a2.pk}/edit/",
        {"code": world.a2.code, "name": world.a2.name, "town": world.town_b.pk, "households": 900},
    )
    assert response.status_code == 302
    services.community_reclassify(
        community=world.a2, to_type=community_type("resettlement"), reason="动迁", by=admin
    )
    admin.first_name = "王主任"
    admin.save()
    page = client.get(f"/communities/{world.a2.pk}/").content.decode()
    history = page.split("修改历史")[1]
    assert "王主任" in history
    assert "城厢镇 → 沙溪镇" in history
    assert "老街巷社区 → 动迁安置社区" in history
    assert "1200 → 900" in history


@pytest.mark.django_db
def test_password_change_page_changes_the_password(world, client):
    from tests.factories import UserFactory

    user = UserFactory(username="changer")
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "pass-word-123",
            "new_password1": "Lou-dong-2025!",
            "new_password2": "Lou-dong-2025!",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Lou-dong-2025!")
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert response.status_code == 200
    assert "你的旧密码不正确。请重新输入。" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("Lou-dong-2025!")
