"""Who sees and does what on the HTML pages: the role × page permission matrix.

Out of a user's scope an object answers 404 (its existence is not revealed); in
scope, an action the role may not take answers 403. Assertions look at what the
user gets back (status codes, which community names and codes are on the page)
and at what ends up stored, never at UI wording (the UI may be in Chinese).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from communities.models import Alliance, Community, Membership, Reclassification, Role
from tests.factories import CoBuildingUnitFactory, UserFactory, community_type
from tests.permissions import PermissionContract

ROLES = ["city_admin", "viewer", "town_staff", "community_worker"]
ALL_COMMUNITIES = {"a1", "a2", "b1", "b2"}
SCOPE = {
    "city_admin": ALL_COMMUNITIES,
    "viewer": ALL_COMMUNITIES,
    "town_staff": {"a1", "a2"},
    "community_worker": {"a1"},
}
PASSWORD = "pass-word-123"  # what UserFactory sets


def communities_on_page(world, content: str) -> set[str]:
    """The world's communities whose name or code appears on the page."""
    return {
        key
        for key in ALL_COMMUNITIES
        if getattr(world, key).name in content or getattr(world, key).code in content
    }


def field_names_offered(content: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', content))


def fetch(world, key) -> Community:
    return Community.objects.get(pk=getattr(world, key).pk)


# --- anonymous visitors ------------------------------------------------------------------

ANONYMOUS_REQUESTS = [
    ("get", lambda w: reverse("home")),
    ("get", lambda w: reverse("communities:list")),
    ("get", lambda w: reverse("communities:detail", args=[w.a1.pk])),
    ("get", lambda w: reverse("communities:edit", args=[w.a1.pk])),
    ("get", lambda w: reverse("communities:create")),
    ("get", lambda w: reverse("communities:types")),
    ("get", lambda w: reverse("communities:users")),
    ("get", lambda w: reverse("communities:user_create")),
    ("get", lambda w: reverse("communities:user", args=[w.users["viewer"].pk])),
    ("post", lambda w: reverse("communities:archive", args=[w.a1.pk])),
    ("post", lambda w: reverse("communities:reclassify", args=[w.a1.pk])),
    ("post", lambda w: reverse("communities:alliance_add", args=[w.a1.pk])),
]


@pytest.mark.parametrize(
    ("method", "url"),
    ANONYMOUS_REQUESTS,
    ids=[
        "home",
        "list",
        "detail",
        "edit",
        "create",
        "types",
        "users",
        "user_create",
        "user",
        "archive",
        "reclassify",
        "alliance_add",
    ],
)
def test_anonymous_visitor_is_sent_to_the_login_page(world, client, method, url):
    # given an anonymous visitor
    path = url(world)

    # when they open a page (or post to an action)
    response = getattr(client, method)(path)

    # then they are redirected to the login page, which will send them back
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={path}"


def test_anonymous_posts_change_nothing(world, client):
    # given an anonymous visitor and an active community
    unit = CoBuildingUnitFactory()

    # when they post to the archive, reclassify and alliance actions
    client.post(reverse("communities:archive", args=[world.a1.pk]))
    client.post(
        reverse("communities:reclassify", args=[world.a1.pk]),
        {
            "to_type": community_type("resettlement").pk,
            "reason": "x",
            "expected_type": world.a1.type_id,
        },
    )
    client.post(
        reverse("communities:alliance_add", args=[world.a1.pk]), {"unit": unit.pk, "since": "2024-03-01"}
    )

    # then the community is as it was
    a1 = fetch(world, "a1")
    assert not a1.is_archived
    assert a1.type.code == "commercial_housing"
    assert not Alliance.objects.filter(unit=unit).exists()


def test_anonymous_visitor_of_django_admin_is_sent_to_the_product_login_page(world, client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('login')}?next=/admin/"
    assert response.status_code == 200


# --- community list and detail -----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_community_list_shows_exactly_the_communities_in_the_users_scope(world, client_as, role):
    # given a user in a role
    client = client_as(world.users[role])

    # when they open the community list
    response = client.get(reverse("communities:list"))

    # then they see exactly the communities of their scope
    assert response.status_code == 200
    assert communities_on_page(world, response.content.decode()) == SCOPE[role]


def test_town_staff_cannot_see_other_towns_communities_by_filtering_for_that_town(world, client_as):
    client = client_as(world.users["town_staff"])

    for town in (world.town_b.pk, world.town_b.code):
        response = client.get(reverse("communities:list"), {"town": town})

        assert response.status_code == 200
        assert communities_on_page(world, response.content.decode()) == set()


@pytest.mark.parametrize(
    ("role", "key"),
    [(role, key) for role in ROLES for key in sorted(ALL_COMMUNITIES)],
)
def test_community_detail_opens_in_scope_and_is_not_found_outside(world, client_as, role, key):
    # given a user and one of the four communities
    community = getattr(world, key)

    # when they open its page
    response = client_as(world.users[role]).get(reverse("communities:detail", args=[community.pk]))

    # then it opens in scope; outside, it is not found and not even named
    if key in SCOPE[role]:
        assert response.status_code == 200
        assert community.name in response.content.decode()
    else:
        assert response.status_code == 404
        assert community.name not in response.content.decode()
        assert community.code not in response.content.decode()


# --- editing a community's profile ---------------------------------------------------------


class TestEditPage(PermissionContract):
    """The edit page: city admins and the staff of the community's town."""

    allowed = {"city_admin", "town_staff"}

    def path(self, world, key):
        return reverse("communities:edit", args=[getattr(world, key).pk])


class TestEditPost(PermissionContract):
    """Saving the profile: refused requests leave the household count as it was."""

    method = "post"
    allowed = {"city_admin", "town_staff"}

    def path(self, world, key):
        return reverse("communities:edit", args=[getattr(world, key).pk])

    success = (302,)

    def data(self, world):
        # The city admin's form also asks for code, name and town; the staff's ignores them.
        return profile_post(
            world.a1, households=1500, code=world.a1.code, name=world.a1.name, town=world.a1.town_id
        )

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert fetch(world, "a1").households == 1500

    def unchanged(self, world):
        return fetch(world, "a1").households == 1200 and fetch(world, "b1").households == 1200


def test_town_staff_edit_form_offers_profile_fields_but_not_name_code_town_or_type(world, client_as):
    response = client_as(world.users["town_staff"]).get(reverse("communities:edit", args=[world.a1.pk]))

    offered = field_names_offered(response.content.decode())
    assert {"households", "population", "area_km2", "has_party_committee"} <= offered
    assert not {"name", "code", "town", "type"} & offered


def test_city_admin_edit_form_offers_name_code_and_town_but_not_type(world, client_as):
    # The type changes only through reclassification, which keeps its history.
    response = client_as(world.users["city_admin"]).get(reverse("communities:edit", args=[world.b1.pk]))

    offered = field_names_offered(response.content.decode())
    assert {"name", "code", "town", "households"} <= offered
    assert "type" not in offered


def profile_post(community, **changes):
    data = {
        "households": community.households,
        "population": community.population,
        "area_km2": "",
        "living_pattern": "",
        "population_makeup": "",
        "economic_structure": "",
        "development_traits": "",
        "has_party_committee": "on" if community.has_party_committee else "",
    }
    data.update(changes)
    return data


def test_town_staff_can_change_the_profile_of_a_community_of_their_town(world, client_as):
    # given town staff of town A
    client = client_as(world.users["town_staff"])

    # when they save a new household count for a1
    response = client.post(
        reverse("communities:edit", args=[world.a1.pk]), profile_post(world.a1, households=1500)
    )

    # then they are sent back to the community and the change is saved
    assert response.status_code == 302
    assert response.url == reverse("communities:detail", args=[world.a1.pk])
    assert fetch(world, "a1").households == 1500
    # (digit grouping follows the language: 1500 in Chinese, 1,500 in English)
    assert re.search(r">\s*1,?500\s*<", client.get(response.url).content.decode())


def test_town_staff_cannot_rename_a_community_by_posting_fields_the_form_does_not_offer(world, client_as):
    client = client_as(world.users["town_staff"])

    client.post(
        reverse("communities:edit", args=[world.a1.pk]),
        profile_post(
            world.a1,
            households=1501,
            name="改名社区",
            code="320585100099",
            town=world.town_b.pk,
            type=community_type("old_street").pk,
        ),
    )

    a1 = fetch(world, "a1")
    assert (a1.name, a1.code, a1.town_id, a1.type.code) == (
        "东苑社区",
        "320585100001",
        world.town_a.pk,
        "commercial_housing",
    )


# --- creating communities ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("city_admin", 200), ("viewer", 403), ("town_staff", 403), ("community_worker", 403)],
)
def test_create_page_is_for_city_admins_only(world, client_as, role, status):
    response = client_as(world.users[role]).get(reverse("communities:create"))

    assert response.status_code == status


def test_town_staff_cannot_create_a_community_by_posting_the_form(world, client_as):
    response = client_as(world.users["town_staff"]).post(
        reverse("communities:create"),
        {
            "code": "320585100003",
            "name": "新建社区",
            "town": world.town_a.pk,
            "type": community_type("resettlement").pk,
        },
    )

    assert response.status_code == 403
    assert not Community.objects.filter(code="320585100003").exists()


# --- archive, reclassify, alliance ---------------------------------------------------------


class TestArchive(PermissionContract):
    """Only city admins archive; a refused request leaves the community active."""

    method = "post"
    allowed = {"city_admin"}

    def path(self, world, key):
        return reverse("communities:archive", args=[getattr(world, key).pk])

    def unchanged(self, world):
        return not fetch(world, "a1").is_archived and not fetch(world, "b1").is_archived

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert fetch(world, "a1").is_archived


def test_archived_community_leaves_the_default_list_and_can_be_restored(world, client_as):
    client = client_as(world.users["city_admin"])
    list_url = reverse("communities:list")

    client.post(reverse("communities:archive", args=[world.a1.pk]))

    assert communities_on_page(world, client.get(list_url).content.decode()) == {"a2", "b1", "b2"}
    archived_page = client.get(list_url, {"archived": "true"}).content.decode()
    assert communities_on_page(world, archived_page) == {"a1"}

    client.post(reverse("communities:archive", args=[world.a1.pk]), {"archived": "0"})

    assert fetch(world, "a1").is_archived is False


class TestReclassify(PermissionContract):
    """Only city admins reclassify, and the reason is recorded with the change."""

    method = "post"
    allowed = {"city_admin"}

    def path(self, world, key):
        return reverse("communities:reclassify", args=[getattr(world, key).pk])

    def data(self, world):
        return {
            "to_type": community_type("resettlement").pk,
            "reason": "整体动迁",
            "expected_type": world.a1.type_id,
        }

    def unchanged(self, world):
        return not Reclassification.objects.exists() and fetch(world, "a1").type.code == "commercial_housing"

    def test_out_of_scope_is_not_found(self, world, client_as, api_as, role):
        # b1 has another type: the stale-page check must not be what refuses it.
        world.a1.type_id = world.b1.type_id
        super().test_out_of_scope_is_not_found(world, client_as, api_as, role)

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        resettlement = community_type("resettlement")
        assert fetch(world, "a1").type == resettlement
        assert [(r.from_type.code, r.to_type, r.reason) for r in Reclassification.objects.all()] == [
            ("commercial_housing", resettlement, "整体动迁")
        ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_reclassification_without_a_reason_writes_nothing(world, client_as, reason):
    response = client_as(world.users["city_admin"]).post(
        reverse("communities:reclassify", args=[world.a1.pk]),
        {
            "to_type": community_type("resettlement").pk,
            "reason": reason,
            "expected_type": world.a1.type_id,
        },
    )

    assert response.status_code == 400
    assert fetch(world, "a1").type.code == "commercial_housing"
    assert not Reclassification.objects.exists()


def test_reclassification_from_a_stale_page_writes_nothing(world, client_as):
    # given a page that still shows a1 as old_street (someone reclassified it meanwhile)
    response = client_as(world.users["city_admin"]).post(
        reverse("communities:reclassify", args=[world.a1.pk]),
        {
            "to_type": community_type("resettlement").pk,
            "reason": "整体动迁",
            "expected_type": community_type("old_street").pk,
        },
    )

    assert response.status_code == 400
    assert "整体动迁" in response.content.decode()  # what was typed is kept
    assert fetch(world, "a1").type.code == "commercial_housing"
    assert not Reclassification.objects.exists()


class TestAllianceAdd(PermissionContract):
    """City admins and the staff of the community's town keep its alliance."""

    method = "post"
    allowed = {"city_admin", "town_staff"}

    def path(self, world, key):
        return reverse("communities:alliance_add", args=[getattr(world, key).pk])

    def data(self, world):
        self.unit = getattr(self, "unit", None) or CoBuildingUnitFactory(name="沙溪人民医院")
        return {"unit": self.unit.pk, "since": "2024-03-01"}

    def unchanged(self, world):
        return not Alliance.objects.filter(unit__name="沙溪人民医院").exists()

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert Alliance.objects.filter(community=world.a1, unit=self.unit, ended_on__isnull=True).exists()
        detail = client_as(world.users[role]).get(reverse("communities:detail", args=[world.a1.pk]))
        assert self.unit.name in detail.content.decode()


# --- community types ---------------------------------------------------------------------

GOALS = ["和美宜居", "改造提升", "睦邻共建", "城市融入", "宜居宜业", "同体发展", "村美民富", "平稳过渡"]


@pytest.mark.parametrize("role", ROLES)
def test_types_page_lists_the_eight_goals_for_every_role(world, client_as, role):
    response = client_as(world.users[role]).get(reverse("communities:types"))

    assert response.status_code == 200
    content = response.content.decode()
    assert [goal for goal in GOALS if goal not in content] == []


# --- users and memberships ---------------------------------------------------------------

USER_PAGES = ["communities:users", "communities:user_create", "communities:user"]


@pytest.mark.parametrize("page", USER_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("city_admin", 200), ("viewer", 403), ("town_staff", 403), ("community_worker", 403)],
)
def test_user_management_is_for_city_admins_only(world, client_as, page, role, status):
    args = [world.users["viewer"].pk] if page == "communities:user" else []

    response = client_as(world.users[role]).get(reverse(page, args=args))

    assert response.status_code == status


@pytest.mark.parametrize("role", ["viewer", "town_staff", "community_worker"])
def test_non_admin_cannot_grant_themselves_the_city_admin_role(world, client_as, role):
    user = world.users[role]

    response = client_as(user).post(reverse("communities:user", args=[user.pk]), {"role": "city_admin"})

    assert response.status_code == 403
    assert not Membership.objects.filter(user=user, role=Role.CITY_ADMIN).exists()


@pytest.mark.parametrize("role", ["viewer", "town_staff", "community_worker"])
def test_non_admin_cannot_create_users(world, client_as, role):
    response = client_as(world.users[role]).post(
        reverse("communities:user_create"), {"username": "intruder", "password": "Qx7!river-lantern"}
    )

    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="intruder").exists()


def test_city_admin_creates_a_user_who_as_town_staff_sees_exactly_that_town(world, client_as, client):
    # given a city admin
    admin = client_as(world.users["city_admin"])

    # when they create an account...
    response = admin.post(
        reverse("communities:user_create"),
        {"username": "staff_b", "full_name": "沙溪镇干部", "email": "", "password": "Qx7!river-lantern"},
    )
    assert response.status_code == 302
    account = get_user_model().objects.get(username="staff_b")
    assert response.url == reverse("communities:user", args=[account.pk])

    # ...and make them town staff of town B
    response = admin.post(
        reverse("communities:user", args=[account.pk]), {"role": "town_staff", "town": world.town_b.pk}
    )
    assert response.status_code == 302

    # then the new user signs in with that password and sees exactly town B's communities
    client.logout()
    response = client.post(
        reverse("login"), {"username": "staff_b", "password": "Qx7!river-lantern"}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 302
    page = client.get(reverse("communities:list")).content.decode()
    assert communities_on_page(world, page) == {"b1", "b2"}


def test_town_staff_membership_without_a_town_shows_an_error_and_writes_nothing(world, client_as):
    account = UserFactory(username="no_town_yet")

    response = client_as(world.users["city_admin"]).post(
        reverse("communities:user", args=[account.pk]), {"role": "town_staff", "town": ""}
    )

    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not Membership.objects.filter(user=account).exists()


# --- Django admin ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("city_admin", 200), ("viewer", 403), ("town_staff", 403), ("community_worker", 403)],
)
def test_django_admin_is_for_city_admins_only(world, client_as, role, status):
    response = client_as(world.users[role]).get("/admin/", follow=True)

    assert response.status_code == status


def test_city_admin_sees_communities_in_django_admin(world, client_as):
    response = client_as(world.users["city_admin"]).get("/admin/communities/community/")

    assert response.status_code == 200
    assert communities_on_page(world, response.content.decode()) == ALL_COMMUNITIES


# --- signing in --------------------------------------------------------------------------


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def is_signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_sign_in_with_the_right_password_redirects_to_the_home_page(world, client):
    response = sign_in(client, "viewer1", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert is_signed_in(client)


def test_sign_in_with_a_wrong_password_is_refused(world, client):
    response = sign_in(client, "viewer1", "wrong-password")

    assert response.status_code == 200  # the form again
    assert not is_signed_in(client)


def test_after_five_wrong_passwords_even_the_right_one_is_refused(world, client):
    # given five failed attempts for one username from one address
    for _ in range(5):
        sign_in(client, "viewer1", "wrong-password")

    # when the right password is given
    response = sign_in(client, "viewer1", PASSWORD)

    # then the lockout page is shown and the user is not signed in
    assert response.status_code in (403, 429)
    assert not is_signed_in(client)
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home.url.startswith(reverse("login"))


def test_four_wrong_passwords_do_not_lock_the_account(world, client):
    for _ in range(4):
        sign_in(client, "viewer1", "wrong-password")

    response = sign_in(client, "viewer1", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_lockout_of_one_account_does_not_lock_another_account_from_the_same_address(world, client):
    for _ in range(5):
        sign_in(client, "viewer1", "wrong-password")

    response = sign_in(client, "staff_a", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)
