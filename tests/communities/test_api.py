"""The REST API (/api/v1/): what each role reads and may change, filters, errors, tokens.

Out of a user's scope an object answers 404; in scope, an action the role may not
take answers 403; anonymous clients get 401. Assertions look at status codes, the
JSON a client receives and what ends up stored.
"""

from collections import Counter

import pytest
from django.urls import reverse

from communities.models import Community, Reclassification

ROLES = ["city_admin", "viewer", "town_staff", "community_worker"]
ALL_COMMUNITIES = {"a1", "a2", "b1", "b2"}
SCOPE = {
    "city_admin": ALL_COMMUNITIES,
    "viewer": ALL_COMMUNITIES,
    "town_staff": {"a1", "a2"},
    "community_worker": {"a1"},
}
PASSWORD = "pass-word-123"  # what UserFactory sets

GOALS = {
    "commercial_housing": "和美宜居",
    "old_street": "改造提升",
    "resettlement": "睦邻共建",
    "village_to_urban": "城市融入",
    "traditional_village": "宜居宜业",
    "periurban_village": "同体发展",
    "distinctive_village": "村美民富",
    "merged_village": "平稳过渡",
}


def codes(world, keys) -> set[str]:
    return {getattr(world, key).code for key in keys}


def result_codes(response) -> set[str]:
    return {row["code"] for row in response.json()["results"]}


def fetch(world, key) -> Community:
    return Community.objects.get(pk=getattr(world, key).pk)


def list_url():
    return reverse("community-list")


def detail_url(community):
    return reverse("community-detail", args=[community.pk])


# --- anonymous clients -------------------------------------------------------------------

ANONYMOUS_REQUESTS = {
    "communities": ("get", lambda w: list_url()),
    "community": ("get", lambda w: detail_url(w.a1)),
    "community-types": ("get", lambda w: reverse("community-type-list")),
    "community-type": ("get", lambda w: reverse("community-type-detail", args=["old_street"])),
    "towns": ("get", lambda w: reverse("town-list")),
    "town": ("get", lambda w: reverse("town-detail", args=[w.town_a.pk])),
    "create": ("post", lambda w: list_url()),
    "patch": ("patch", lambda w: detail_url(w.a1)),
    "reclassify": ("post", lambda w: reverse("community-reclassify", args=[w.a1.pk])),
    "archive": ("post", lambda w: reverse("community-archive", args=[w.a1.pk])),
    "api-root": ("get", lambda w: "/api/v1/"),
    "schema": ("get", lambda w: reverse("api-schema")),
}


@pytest.mark.parametrize(("method", "url"), list(ANONYMOUS_REQUESTS.values()), ids=list(ANONYMOUS_REQUESTS))
def test_anonymous_client_gets_401_from_every_endpoint(world, api_as, method, url):
    response = getattr(api_as(None), method)(url(world), {}, format="json")

    assert response.status_code == 401


def test_anonymous_writes_change_nothing(world, api_as):
    api = api_as(None)

    api.post(
        list_url(),
        {"code": "320585100003", "name": "新建社区", "town": "320585100", "type": "resettlement"},
        format="json",
    )
    api.patch(detail_url(world.a1), {"households": 1}, format="json")
    api.post(reverse("community-archive", args=[world.a1.pk]), format="json")

    assert not Community.objects.filter(code="320585100003").exists()
    a1 = fetch(world, "a1")
    assert (a1.households, a1.is_archived) == (1200, False)


# --- reading communities -----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_community_list_returns_exactly_the_users_scope(world, api_as, role):
    response = api_as(world.users[role]).get(list_url())

    assert response.status_code == 200
    body = response.json()
    assert {"count", "results"} <= set(body)
    assert body["count"] == len(SCOPE[role])
    assert result_codes(response) == codes(world, SCOPE[role])


@pytest.mark.parametrize(
    ("role", "key"),
    [(role, key) for role in ROLES for key in sorted(ALL_COMMUNITIES)],
)
def test_community_detail_answers_in_scope_and_404_outside(world, api_as, role, key):
    community = getattr(world, key)

    response = api_as(world.users[role]).get(detail_url(community))

    if key in SCOPE[role]:
        assert response.status_code == 200
        assert (response.json()["code"], response.json()["name"]) == (community.code, community.name)
    else:
        assert response.status_code == 404
        assert community.name not in response.content.decode()


def test_community_detail_shows_town_type_and_goal_by_code(world, api_as):
    body = api_as(world.users["viewer"]).get(detail_url(world.b1)).json()

    assert body["town"] == "320585101"
    assert body["town_name"] == "沙溪镇"
    assert body["type"] == "traditional_village"
    assert body["area"] == "rural"
    assert body["goal"] == "宜居宜业"


@pytest.fixture
def pilots_and_models(world):
    """a2 is a 2023 town-level pilot; b1 a model community since 2022."""
    Community.objects.filter(pk=world.a2.pk).update(pilot_year=2023, pilot_level="town")
    Community.objects.filter(pk=world.b1.pk).update(model_year=2022)
    return world


FILTER_CASES = {
    "town-by-id": (lambda w: {"town": w.town_a.pk}, {"a1", "a2"}),
    "town-by-code": (lambda w: {"town": "320585101"}, {"b1", "b2"}),
    "type": (lambda w: {"type": "old_street"}, {"a2"}),
    "area-urban": (lambda w: {"area": "urban"}, {"a1", "a2"}),
    "area-rural": (lambda w: {"area": "rural"}, {"b1", "b2"}),
    "pilot-year": (lambda w: {"pilot_year": 2023}, {"a2"}),
    "pilot-year-none": (lambda w: {"pilot_year": 2024}, set()),
    "is-model-true": (lambda w: {"is_model": "true"}, {"b1"}),
    "is-model-false": (lambda w: {"is_model": "false"}, {"a1", "a2", "b2"}),
    "q-name": (lambda w: {"q": "东苑"}, {"a1"}),
    "q-name-part": (lambda w: {"q": "村"}, {"b1", "b2"}),
    "q-code-prefix": (lambda w: {"q": "3205851012"}, {"b1", "b2"}),
    "q-code-not-prefix": (lambda w: {"q": "101201"}, set()),
    "town-and-type": (lambda w: {"town": "320585100", "type": "commercial_housing"}, {"a1"}),
}


@pytest.mark.parametrize(("params", "expected"), list(FILTER_CASES.values()), ids=list(FILTER_CASES))
def test_community_list_filters(pilots_and_models, api_as, params, expected):
    world = pilots_and_models

    response = api_as(world.users["city_admin"]).get(list_url(), params(world))

    assert response.status_code == 200
    assert result_codes(response) == codes(world, expected)
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("town", ["320585101", "town_b_id"])
def test_town_staff_cannot_widen_their_scope_by_filtering_for_another_town(world, api_as, town):
    value = world.town_b.pk if town == "town_b_id" else town

    response = api_as(world.users["town_staff"]).get(list_url(), {"town": value})

    # Another town answers exactly as a town that does not exist: unknown.
    assert response.status_code == 400
    assert "town" in response.json()
    absent = "320585999" if town == "320585101" else "999999"
    missing = api_as(world.users["town_staff"]).get(list_url(), {"town": absent})
    assert missing.status_code == 400
    assert [m.replace(absent, "?") for m in missing.json()["town"]] == [
        m.replace(str(value), "?") for m in response.json()["town"]
    ]


def test_page_size_one_gives_one_result_and_the_full_count(world, api_as):
    response = api_as(world.users["city_admin"]).get(list_url(), {"page_size": 1})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    assert response.json()["count"] == 4


def test_page_size_above_the_maximum_still_answers(world, api_as):
    response = api_as(world.users["city_admin"]).get(list_url(), {"page_size": 500})

    assert response.status_code == 200
    assert result_codes(response) == codes(world, ALL_COMMUNITIES)


# --- community types and towns ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_community_types_are_the_eight_with_their_goals_and_scoped_counts(world, api_as, role):
    response = api_as(world.users[role]).get(reverse("community-type-list"))

    assert response.status_code == 200
    types = response.json()
    assert len(types) == 8
    assert all({"code", "name", "area", "goal", "community_count"} <= set(t) for t in types)
    assert {t["code"]: t["goal"] for t in types} == GOALS
    expected_counts = Counter(getattr(world, key).type.code for key in SCOPE[role])
    assert {t["code"]: t["community_count"] for t in types if t["community_count"]} == expected_counts
    assert sum(t["community_count"] for t in types) == len(SCOPE[role])


def test_community_type_counts_leave_out_archived_communities(world, api_as):
    api = api_as(world.users["city_admin"])
    api.post(reverse("community-archive", args=[world.a2.pk]), format="json")

    response = api.get(reverse("community-type-detail", args=["old_street"]))

    assert response.status_code == 200
    assert response.json()["community_count"] == 0


@pytest.mark.parametrize(
    ("role", "towns"),
    [
        ("city_admin", {"320585100", "320585101"}),
        ("viewer", {"320585100", "320585101"}),
        ("town_staff", {"320585100"}),
        ("community_worker", {"320585100"}),
    ],
)
def test_towns_list_shows_the_towns_in_the_users_scope(world, api_as, role, towns):
    response = api_as(world.users[role]).get(reverse("town-list"))

    assert response.status_code == 200
    assert {t["code"] for t in response.json()["results"]} == towns


@pytest.mark.parametrize("role", ["town_staff", "community_worker"])
def test_a_town_outside_scope_is_not_found(world, api_as, role):
    response = api_as(world.users[role]).get(reverse("town-detail", args=[world.town_b.pk]))

    assert response.status_code == 404


# --- creating communities ----------------------------------------------------------------


def new_community(**changes):
    data = {
        "code": "320585100003",
        "name": "新建社区",
        "town": "320585100",
        "type": "resettlement",
        "households": 800,
        "population": 2100,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_city_admin_creates_a_community(world, api_as):
    api = api_as(world.users["city_admin"])

    response = api.post(list_url(), new_community(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert isinstance(body["id"], int)
    assert (body["code"], body["town"], body["type"], body["goal"]) == (
        "320585100003",
        "320585100",
        "resettlement",
        "睦邻共建",
    )
    shown = api.get(reverse("community-detail", args=[body["id"]])).json()
    assert (shown["name"], shown["households"]) == ("新建社区", 800)


@pytest.mark.parametrize("role", ["viewer", "town_staff", "community_worker"])
def test_only_city_admins_create_communities(world, api_as, role):
    response = api_as(world.users[role]).post(list_url(), new_community(), format="json")

    assert response.status_code == 403
    assert not Community.objects.filter(code="320585100003").exists()
    assert Community.objects.count() == 4


BAD_CREATE_INPUT = {
    "duplicate-code": (new_community(code="320585100001"), "code"),
    "code-11-digits": (new_community(code="32058510003"), "code"),
    "code-with-letters": (new_community(code="32058510000A"), "code"),
    "unknown-type": (new_community(type="no_such_type"), "type"),
    "unknown-town": (new_community(town="320585199"), "town"),
    "pilot-year-without-level": (new_community(pilot_year=2023), "pilot_level"),
}


@pytest.mark.parametrize(("data", "field"), list(BAD_CREATE_INPUT.values()), ids=list(BAD_CREATE_INPUT))
def test_bad_input_is_refused_with_a_field_error_and_writes_nothing(world, api_as, data, field):
    response = api_as(world.users["city_admin"]).post(list_url(), data, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Community.objects.count() == 4
    assert fetch(world, "a1").name == "东苑社区"


def test_a_second_community_of_the_same_name_in_one_town_is_refused(world, api_as):
    response = api_as(world.users["city_admin"]).post(
        list_url(), new_community(name="东苑社区"), format="json"
    )

    assert response.status_code == 400
    assert Community.objects.count() == 4


def test_the_same_name_in_another_town_is_fine(world, api_as):
    response = api_as(world.users["city_admin"]).post(
        list_url(), new_community(name="北泾村", town="320585100"), format="json"
    )

    assert response.status_code == 201
    assert Community.objects.filter(name="北泾村").count() == 2


# --- changing communities ----------------------------------------------------------------

PATCH_MATRIX = {
    # id: (role, community, changes, status, field checked, value stored afterwards)
    "admin-renames-a1": ("city_admin", "a1", {"name": "东苑新村"}, 200, "name", "东苑新村"),
    "admin-renames-b1": ("city_admin", "b1", {"name": "北泾新村"}, 200, "name", "北泾新村"),
    "admin-sets-pilot": (
        "city_admin",
        "b2",
        {"pilot_year": 2024, "pilot_level": "city"},
        200,
        "pilot_year",
        2024,
    ),
    "staff-households-a1": ("town_staff", "a1", {"households": 1500}, 200, "households", 1500),
    "staff-households-a2": ("town_staff", "a2", {"households": 1600}, 200, "households", 1600),
    "staff-renames-a1": ("town_staff", "a1", {"name": "改名社区"}, 403, "name", "东苑社区"),
    "staff-name-and-households": (
        "town_staff",
        "a1",
        {"households": 1500, "name": "改名社区"},
        403,
        "households",
        1200,
    ),
    "staff-sets-pilot": ("town_staff", "a1", {"pilot_year": 2024}, 403, "pilot_year", None),
    "staff-households-b1": ("town_staff", "b1", {"households": 1500}, 404, "households", 1200),
    "worker-households-a1": ("community_worker", "a1", {"households": 1500}, 403, "households", 1200),
    "worker-households-a2": ("community_worker", "a2", {"households": 1500}, 404, "households", 1200),
    "viewer-households-a1": ("viewer", "a1", {"households": 1500}, 403, "households", 1200),
    "viewer-renames-b1": ("viewer", "b1", {"name": "改名村"}, 403, "name", "北泾村"),
}


@pytest.mark.parametrize(
    ("role", "key", "changes", "status", "field", "stored"),
    list(PATCH_MATRIX.values()),
    ids=list(PATCH_MATRIX),
)
def test_patch_changes_only_what_the_role_may_change(
    world, api_as, role, key, changes, status, field, stored
):
    # given a community and a user
    community = getattr(world, key)

    # when the user patches it
    response = api_as(world.users[role]).patch(detail_url(community), changes, format="json")

    # then the answer and what is stored follow the role
    assert response.status_code == status
    assert getattr(fetch(world, key), field) == stored
    if status == 200:
        assert response.json()[field] == stored


def test_patch_cannot_change_the_type(world, api_as):
    response = api_as(world.users["city_admin"]).patch(
        detail_url(world.a1), {"type": "old_street"}, format="json"
    )

    assert response.status_code == 400
    assert "type" in response.json()
    assert fetch(world, "a1").type.code == "commercial_housing"


def test_patch_cannot_archive_through_the_read_only_field(world, api_as):
    response = api_as(world.users["city_admin"]).patch(
        detail_url(world.a1), {"is_archived": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["is_archived"] is False
    assert fetch(world, "a1").is_archived is False


@pytest.mark.parametrize("method", ["put", "delete"])
def test_put_and_delete_are_not_allowed(world, api_as, method):
    api = api_as(world.users["city_admin"])

    response = getattr(api, method)(detail_url(world.a1), new_community(code="320585100001"), format="json")

    assert response.status_code == 405
    a1 = fetch(world, "a1")
    assert (a1.name, a1.is_archived) == ("东苑社区", False)


# --- reclassification --------------------------------------------------------------------


def reclassify(api, community, **data):
    return api.post(reverse("community-reclassify", args=[community.pk]), data, format="json")


def test_city_admin_reclassifies_a_community_with_a_reason(world, api_as):
    response = reclassify(
        api_as(world.users["city_admin"]), world.a1, type="resettlement", reason="整体动迁安置"
    )

    assert response.status_code == 200
    assert (response.json()["type"], response.json()["goal"]) == ("resettlement", "睦邻共建")
    assert fetch(world, "a1").type.code == "resettlement"
    record = Reclassification.objects.get(community=world.a1)
    assert (record.from_type.code, record.to_type.code, record.reason) == (
        "commercial_housing",
        "resettlement",
        "整体动迁安置",
    )


def test_reclassification_with_the_current_expected_type_succeeds(world, api_as):
    response = reclassify(
        api_as(world.users["city_admin"]),
        world.a2,
        type="resettlement",
        reason="整体动迁",
        expected_type="old_street",
    )

    assert response.status_code == 200
    assert fetch(world, "a2").type.code == "resettlement"


def test_reclassification_with_a_stale_expected_type_is_a_conflict_and_changes_nothing(world, api_as):
    # given a client that still believes a1 is an old-street community
    response = reclassify(
        api_as(world.users["city_admin"]),
        world.a1,
        type="resettlement",
        reason="整体动迁",
        expected_type="old_street",
    )

    assert response.status_code == 409
    assert fetch(world, "a1").type.code == "commercial_housing"
    assert not Reclassification.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"type": "resettlement", "reason": ""},
        {"type": "resettlement", "reason": "   "},
        {"type": "resettlement"},
        {"type": "no_such_type", "reason": "整体动迁"},
        {"type": "commercial_housing", "reason": "已经是这个类型"},
    ],
    ids=["empty-reason", "blank-reason", "no-reason", "unknown-type", "same-type"],
)
def test_bad_reclassification_is_refused_and_changes_nothing(world, api_as, data):
    response = reclassify(api_as(world.users["city_admin"]), world.a1, **data)

    assert response.status_code == 400
    assert fetch(world, "a1").type.code == "commercial_housing"
    assert not Reclassification.objects.exists()


ACTION_MATRIX = [
    ("town_staff", "a1", 403),
    ("town_staff", "b1", 404),
    ("community_worker", "a1", 403),
    ("community_worker", "a2", 404),
    ("viewer", "a1", 403),
    ("viewer", "b1", 403),
]


@pytest.mark.parametrize(("role", "key", "status"), ACTION_MATRIX)
def test_only_city_admins_reclassify(world, api_as, role, key, status):
    community = getattr(world, key)
    old_type = community.type.code

    response = reclassify(api_as(world.users[role]), community, type="resettlement", reason="整体动迁")

    assert response.status_code == status
    assert fetch(world, key).type.code == old_type
    assert not Reclassification.objects.exists()


# --- archiving ---------------------------------------------------------------------------


def test_archived_community_leaves_the_default_list_but_stays_readable(world, api_as):
    # given a city admin
    api = api_as(world.users["city_admin"])

    # when they archive a1
    response = api.post(reverse("community-archive", args=[world.a1.pk]), format="json")

    # then it is archived, gone from the default list, listed with ?archived=true
    assert response.status_code == 200
    assert response.json()["is_archived"] is True
    assert result_codes(api.get(list_url())) == codes(world, {"a2", "b1", "b2"})
    assert result_codes(api.get(list_url(), {"archived": "true"})) == codes(world, {"a1"})
    assert api.get(detail_url(world.a1)).status_code == 200


def test_archived_community_stays_readable_for_its_town_staff(world, api_as):
    api_as(world.users["city_admin"]).post(reverse("community-archive", args=[world.a1.pk]), format="json")

    staff = api_as(world.users["town_staff"])

    assert result_codes(staff.get(list_url())) == codes(world, {"a2"})
    assert result_codes(staff.get(list_url(), {"archived": "true"})) == codes(world, {"a1"})
    assert staff.get(detail_url(world.a1)).status_code == 200


@pytest.mark.parametrize(("role", "key", "status"), ACTION_MATRIX)
def test_only_city_admins_archive(world, api_as, role, key, status):
    community = getattr(world, key)

    response = api_as(world.users[role]).post(
        reverse("community-archive", args=[community.pk]), format="json"
    )

    assert response.status_code == status
    assert fetch(world, key).is_archived is False


# --- tokens, schema and docs -------------------------------------------------------------


def test_token_from_username_and_password_authenticates_as_that_user(world, api_as):
    # given town staff exchanging their password for a token
    response = api_as(None).post(
        reverse("api-token"), {"username": "staff_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]

    # when a fresh client sends it
    client = api_as(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get(list_url())

    # then it acts as that user, with that user's scope
    assert listed.status_code == 200
    assert result_codes(listed) == codes(world, {"a1", "a2"})


def test_token_endpoint_gives_the_same_token_twice(world, api_as):
    first = api_as(None).post(
        reverse("api-token"), {"username": "viewer1", "password": PASSWORD}, format="json"
    )
    second = api_as(None).post(
        reverse("api-token"), {"username": "viewer1", "password": PASSWORD}, format="json"
    )

    assert first.json()["token"] == second.json()["token"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "staff_a", "password": "wrong-password"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "staff_a"},
    ],
    ids=["wrong-password", "unknown-user", "no-password"],
)
def test_token_endpoint_refuses_wrong_credentials(world, api_as, credentials):
    response = api_as(None).post(reverse("api-token"), credentials, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()


def test_made_up_token_is_refused(world, api_as):
    client = api_as(None)
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert client.get(list_url()).status_code == 401


@pytest.mark.parametrize("role", ["city_admin", "community_worker"])
def test_schema_and_docs_open_for_a_signed_in_user(world, api_as, role):
    api = api_as(world.users[role])

    schema = api.get(reverse("api-schema"))
    docs = api.get(reverse("api-docs"))

    assert schema.status_code == 200
    assert b"/api/v1/communities/" in schema.content
    assert docs.status_code == 200
