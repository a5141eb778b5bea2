"""A form sent with mistakes comes back with the errors beside its fields and
everything typed still in it; nothing is written."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from communities.models import Alliance, Reclassification
from tests.factories import CoBuildingUnitFactory, community_type


def test_a_reclassification_without_a_reason_keeps_the_chosen_type_and_names_the_field(client_as, world):
    client = client_as(world.users["city_admin"])
    new_type = community_type("village_to_urban")

    response = client.post(
        reverse("communities:reclassify", args=[world.a1.pk]),
        {"to_type": new_type.pk, "reason": "   ", "expected_type": world.a1.type_id},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f'<option value="{new_type.pk}" selected>' in page
    assert 'id="id_reason-error-1"' in page
    assert 'aria-invalid="true"' in page
    assert not Reclassification.objects.exists()


def test_reclassifying_to_the_same_type_is_an_error_beside_the_type(client_as, world):
    response = client_as(world.users["city_admin"]).post(
        reverse("communities:reclassify", args=[world.a1.pk]),
        {"to_type": world.a1.type_id, "reason": "复核后保持", "expected_type": world.a1.type_id},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_to_type-error-1"' in page
    assert "复核后保持" in page


@time_machine.travel(date(2026, 12, 2))
@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31"])
def test_an_absurd_alliance_date_is_refused_beside_the_field_and_the_note_kept(client_as, world, since):
    unit = CoBuildingUnitFactory()
    before = Alliance.objects.count()

    response = client_as(world.users["town_staff"]).post(
        reverse("communities:alliance_add", args=[world.a1.pk]),
        {"unit": unit.pk, "since": since, "agreement_note": "共建协议第3条"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_since-error-1"' in page
    assert "共建协议第3条" in page
    assert Alliance.objects.count() == before


@time_machine.travel(date(2026, 12, 2))
def test_the_alliance_form_offers_today_as_an_iso_date(client_as, world):
    page = client_as(world.users["town_staff"]).get(reverse("communities:detail", args=[world.a1.pk]))
    assert 'name="since" value="2026-12-02"' in page.content.decode()


def test_a_unit_already_in_the_alliance_is_an_error_beside_the_unit(client_as, world):
    existing = world.a1.alliances.filter(ended_on__isnull=True).first()

    response = client_as(world.users["town_staff"]).post(
        reverse("communities:alliance_add", args=[world.a1.pk]),
        {"unit": existing.unit_id, "since": "2026-01-01", "agreement_note": "重复"},
    )

    assert response.status_code == 400
    assert 'id="id_unit-error-1"' in response.content.decode()


def test_a_city_admin_is_not_offered_to_remove_their_own_last_admin_role(client_as, world):
    admin = world.users["city_admin"]
    own = admin.memberships.get()
    other = world.users["viewer"].memberships.get()

    own_page = client_as(admin).get(reverse("communities:user", args=[admin.pk])).content.decode()
    other_page = client_as(admin).get(reverse("communities:user", args=[world.users["viewer"].pk]))

    assert reverse("communities:membership_remove", args=[admin.pk, own.pk]) not in own_page
    assert reverse("communities:membership_remove", args=[world.users["viewer"].pk, other.pk]) in (
        other_page.content.decode()
    )


def test_a_new_users_password_too_close_to_the_username_is_refused_beside_the_field(client_as, world):
    from django.contrib.auth import get_user_model

    response = client_as(world.users["city_admin"]).post(
        reverse("communities:user_create"),
        {"username": "wangxm", "full_name": "王小明", "email": "", "password": "wangxm2026"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="wangxm"' in page and "王小明" in page
    assert "太相似" in page  # Django's similarity message, in Chinese
    assert not get_user_model().objects.filter(username="wangxm").exists()


@pytest.mark.parametrize(
    "path",
    [
        lambda w: reverse("communities:detail", args=[w.a1.pk]),
    ],
)
def test_forms_with_required_fields_leave_checking_to_the_server_in_chinese(client_as, world, path):
    # The browser's own bubbles speak the browser's language and vanish; the
    # server's messages stand beside the field in Chinese.
    page = client_as(world.users["city_admin"]).get(path(world)).content.decode()
    for action in ("reclassify/", "alliance/"):
        form = re.search(rf"<form[^>]*action=\"/communities/{world.a1.pk}/{action}\"[^>]*>", page)
        assert form and "novalidate" in form.group(0), action
