"""The survey page's fast entry as htmx receives it, and who is offered a survey."""

import re
from datetime import date

import pytest
from django.urls import reverse

from needs.models import Channel, Need, NeedSurvey

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def survey(world):
    return NeedSurvey.objects.create(
        community=world.a1,
        date=date(2026, 1, 5),
        channel=Channel.RESIDENTS_CALL,
        conducted_by=world.users["community_worker"],
    )


def post_row(client, survey, **fields):
    data = {"title": "楼道灯不亮", "category": "路灯照明", **fields}
    return client.post(reverse("needs:survey_add_need", args=[survey.pk]), data, **HTMX)


def test_a_saved_row_comes_back_as_a_fresh_form_and_the_row_out_of_band(client_as, world, survey):
    response = post_row(client_as(world.users["community_worker"]), survey)

    assert response.status_code == 200
    page = response.content.decode()
    # The answer replaces the entry form (its own target) and carries the row
    # inside a <template>: a <form> parsed next to a <tr> would close at once
    # and leave its inputs outside it.
    assert page.lstrip().startswith('<div id="entry-form"')
    assert 'hx-target="#entry-form"' in page and 'hx-swap="outerHTML"' in page
    row = re.search(
        r'<template><tbody hx-swap-oob="beforeend:#survey-rows">(.*?)</tbody></template>', page, re.S
    )
    assert row and "楼道灯不亮" in row.group(1)
    assert "<tr" not in page.replace(row.group(0), "")
    assert re.search(r'<input type="text" name="title"(?![^>]*value=)[^>]*autofocus', page)
    assert Need.objects.filter(survey=survey, title="楼道灯不亮").exists()


def test_a_refused_row_comes_back_with_the_typing_kept_and_the_error_beside_the_field(
    client_as, world, survey
):
    response = post_row(
        client_as(world.users["community_worker"]), survey, category="不存在的类别", location="3幢"
    )

    assert response.status_code == 200  # htmx swaps 2xx answers only
    page = response.content.decode()
    assert 'value="楼道灯不亮"' in page and 'value="3幢"' in page and 'value="不存在的类别"' in page
    category = re.search(r'<input[^>]*name="category"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in category and 'aria-describedby="id_category_error"' in category
    assert "is-invalid" in category
    assert re.search(r'id="id_category_error"[^>]*>(<div[^>]*>)?[^<]*不存在的类别', page)
    assert not Need.objects.filter(survey=survey).exists()


def test_a_viewer_is_not_offered_a_new_survey_and_cannot_open_its_form(client_as, world):
    client = client_as(world.users["viewer"])
    page = client.get(reverse("needs:surveys")).content.decode()
    assert reverse("needs:survey_create") not in page
    assert client.get(reverse("needs:survey_create")).status_code == 403


@pytest.mark.parametrize("role", ["city_admin", "town_staff", "community_worker"])
def test_those_who_log_needs_are_offered_a_new_survey(client_as, world, role):
    client = client_as(world.users[role])
    assert reverse("needs:survey_create") in client.get(reverse("needs:surveys")).content.decode()
    assert client.get(reverse("needs:survey_create")).status_code == 200
