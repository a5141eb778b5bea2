"""Bodies too large for their kind and NUL characters are refused with a reason,
before any view reads them, in the pages and in the API."""

import json

import pytest

from communities.models import Community

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_query_is_a_400_page_in_chinese(client_as, world):
    response = client_as(world.users["city_admin"]).get("/communities/", {"q": "东\x00苑"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(client_as, world):
    before = Community.objects.get(pk=world.a1.pk).living_pattern
    response = client_as(world.users["city_admin"]).post(
        f"/communities/{world.a1.pk}/edit/", {"living_pattern": "street\x00lighting"}
    )
    assert response.status_code == 400
    assert Community.objects.get(pk=world.a1.pk).living_pattern == before


def test_a_nul_in_the_api_query_is_a_400_with_a_reason(api_as, world):
    response = api_as(world.users["city_admin"]).get("/api/v1/communities/", {"q": "a\x00"})
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("body", ["null", "[]", '"x"', "1", "{", '{"a": NaN}'])
def test_an_api_body_must_be_a_json_object(api_as, world, body):
    response = api_as(world.users["city_admin"]).generic(
        "PATCH", f"/api/v1/communities/{world.a1.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_json_nested_absurdly_deep_is_a_400(api_as, world):
    body = "[" * 50_000 + "]" * 50_000
    body = '{"name": ' + body + "}"
    response = api_as(world.users["city_admin"]).generic(
        "PATCH", f"/api/v1/communities/{world.a1.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_nul_inside_a_json_string_is_a_400(api_as, world):
    response = api_as(world.users["city_admin"]).patch(
        f"/api/v1/communities/{world.a1.pk}/", {"living_pattern": "a\x00b"}, format="json"
    )
    assert response.status_code == 400
    assert Community.objects.get(pk=world.a1.pk).living_pattern != "a\x00b"


def test_a_huge_json_body_is_a_413_and_nothing_is_stored(api_as, world):
    body = json.dumps({"living_pattern": "长" * 3_000_000})
    response = api_as(world.users["city_admin"]).generic(
        "PATCH", f"/api/v1/communities/{world.a1.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert "长长" not in Community.objects.get(pk=world.a1.pk).living_pattern


def test_a_huge_form_body_is_a_413_page(client_as, world):
    response = client_as(world.users["city_admin"]).post(
        f"/communities/{world.a1.pk}/edit/",
        "living_pattern=" + "x" * 2_000_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "x" * 100 not in Community.objects.get(pk=world.a1.pk).living_pattern


def test_a_huge_text_in_a_multipart_form_is_a_413_and_nothing_is_stored(client_as, world):
    response = client_as(world.users["city_admin"]).post(
        f"/communities/{world.a1.pk}/edit/", {"living_pattern": "x" * 7_000_000}
    )
    assert response.status_code == 413
    assert "x" * 100 not in Community.objects.get(pk=world.a1.pk).living_pattern


@pytest.mark.parametrize(("field", "value"), [("households", 2_147_483_647), ("population", 320_585_101_001)])
def test_implausible_counts_of_a_community_are_refused_by_the_api(api_as, world, field, value):
    response = api_as(world.users["city_admin"]).patch(
        f"/api/v1/communities/{world.a1.pk}/", {field: value}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert getattr(Community.objects.get(pk=world.a1.pk), field) != value


def test_an_implausible_number_of_survey_participants_is_refused(api_as, world):
    from needs.models import NeedSurvey

    response = api_as(world.users["town_staff"]).post(
        "/api/v1/surveys/",
        {"community": world.a1.pk, "date": "2024-03-05", "channel": "visit", "participants": 2_147_483_647},
        format="json",
    )
    assert response.status_code == 400
    assert "participants" in response.json()
    assert not NeedSurvey.objects.exists()
