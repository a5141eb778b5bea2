"""Odd and hostile input on every needs route answers 400 or 404 with a reason,
never a server error, and writes nothing."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from needs import services
from needs.models import Escalation, MobileView, Need, NeedsList, NeedsListItem, NeedSurvey, ProblemCategory
from tests.factories import community_type

# Values that once reached int() or the database as they were.
HOSTILE = {
    "superscript-two": "²",
    "year-99999": "99999",
    "minus-one": "-1",
    "huge": "10000000000000000000000",
    "exponent": "1e3",
    "arabic-indic": "٣",
}

NEED_API_FILTERS = ["town", "community", "type", "category", "year", "status", "domain"]
SURVEY_API_FILTERS = ["community", "year", "date", "channel"]
LIST_API_FILTERS = ["community_type", "year", "state"]


def category(code) -> ProblemCategory:
    return ProblemCategory.objects.get(code=code)


@pytest.fixture
def logged(world):
    """One need with a mobile number (exports log who saw it) in a1, and a survey."""
    admin = world.users["city_admin"]
    survey = services.survey_create(by=admin, community=world.a1, date=date(2024, 3, 5), channel="visit")
    need = services.need_create(
        by=admin,
        community=world.a1,
        survey=survey,
        title="路灯不亮",
        category=category("street_lighting"),
        mobile="13812345678",
    )
    return need


def counts():
    return (
        Need.objects.count(),
        NeedSurvey.objects.count(),
        NeedsList.objects.count(),
        Escalation.objects.count(),
        MobileView.objects.count(),
    )


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("/api/v1/needs/", f) for f in NEED_API_FILTERS]
    + [("/api/v1/surveys/", f) for f in SURVEY_API_FILTERS]
    + [("/api/v1/needs-lists/", f) for f in LIST_API_FILTERS],
)
@pytest.mark.parametrize("role", ["city_admin", "community_worker"])
def test_a_hostile_filter_value_is_a_field_error_in_the_api(
    logged, world, api_as, endpoint, field, value, role
):
    before = counts()

    response = api_as(world.users[role]).get(endpoint, {field: value})

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize(
    ("route", "field"),
    [
        ("needs:list", "community"),
        ("needs:list", "town"),
        ("needs:list", "category"),
        ("needs:list", "year"),
        ("export-xlsx", "community"),
        ("export-xlsx", "year"),
        ("export-csv", "town"),
        ("export-csv", "year"),
        ("needs:lists", "year"),
    ],
)
def test_a_hostile_filter_value_on_a_page_is_refused_and_nothing_is_logged(
    logged, world, client_as, route, field, value
):
    url = {
        "export-xlsx": reverse("needs:export", args=["xlsx"]),
        "export-csv": reverse("needs:export", args=["csv"]),
    }.get(route) or reverse(route)
    before = counts()

    response = client_as(world.users["city_admin"]).get(url, {field: value})

    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert counts() == before  # not even a logged view of a mobile number


@pytest.mark.parametrize("value", ["0", "-1", "10000000000000000000000", "²"])
def test_needs_list_year_out_of_range_is_refused_by_the_compile_form(world, client_as, value):
    response = client_as(world.users["city_admin"]).post(
        reverse("needs:list_compile"),
        {"community_type": community_type("old_street").pk, "year": value},
    )

    # The form comes back with the error beside the year (see test_needs_lists.py).
    assert response.status_code == 400
    assert 'id="id_year-error-1"' in response.content.decode()
    assert not NeedsList.objects.exists()


# --- the needs-list draft ------------------------------------------------------------------------


@pytest.fixture
def draft(logged, world):
    return services.needs_list_compile(
        community_type=world.a1.type, year=logged.raised_on.year, by=world.users["city_admin"]
    )


@pytest.mark.parametrize(
    "data",
    [
        {"note-abc": "x"},
        {"order": "x"},
        {"order": "99999999999999999999999"},
        {"note-999999": "x"},
        {"list_note": "长" * 2001},
    ],
    ids=["note-abc", "order-x", "order-huge", "note-of-another-list", "note-too-long"],
)
def test_a_bad_draft_edit_is_refused_and_writes_nothing(draft, world, client_as, data):
    item = draft.items.get()
    history = draft.history.count()

    response = client_as(world.users["city_admin"]).post(
        reverse("needs:list_detail", args=[draft.pk]), {f"note-{item.pk}": "改了", **data}
    )

    assert response.status_code == 400
    assert NeedsListItem.objects.get(pk=item.pk).note == ""
    assert draft.history.count() == history


def test_a_good_draft_edit_still_saves(draft, world, client_as):
    item = draft.items.get()

    response = client_as(world.users["city_admin"]).post(
        reverse("needs:list_detail", args=[draft.pk]),
        {f"note-{item.pk}": "重点推进", "order": str(item.pk), "list_note": "年度清单"},
    )

    assert response.status_code == 302
    assert NeedsListItem.objects.get(pk=item.pk).note == "重点推进"
    assert NeedsList.objects.get(pk=draft.pk).note == "年度清单"


# --- compiling through the API --------------------------------------------------------------------


def test_compile_with_an_address_and_a_body_that_disagree_writes_nothing(world, api_as):
    api = api_as(world.users["city_admin"])

    response = api.post(
        "/api/v1/needs-lists/compile/?community_type=old_street",
        {"community_type": "commercial_housing", "year": 2024},
        format="json",
    )

    assert response.status_code == 400
    assert "community_type" in response.json()
    assert not NeedsList.objects.exists()


def test_compile_with_an_address_that_agrees_with_the_body_answers_the_draft(world, api_as):
    api = api_as(world.users["city_admin"])

    response = api.post(
        "/api/v1/needs-lists/compile/?community_type=old_street",
        {"community_type": "old_street", "year": 2024},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["community_type"] == "old_street"
    assert NeedsList.objects.get().community_type.code == "old_street"


@pytest.mark.parametrize("year", [99999, -1, 10**22, "²", 1999])
def test_compile_with_an_implausible_year_is_a_field_error(world, api_as, year):
    response = api_as(world.users["city_admin"]).post(
        "/api/v1/needs-lists/compile/", {"community_type": "old_street", "year": year}, format="json"
    )

    assert response.status_code == 400
    assert "year" in response.json()
    assert not NeedsList.objects.exists()


# --- text limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "长" * 101), ("description", "长" * 4001), ("location", "长" * 201)],
)
def test_the_api_refuses_text_over_its_limit_naming_the_field(world, api_as, field, value):
    data = {"community": world.a1.pk, "date": "2024-03-05", "title": "路灯", "category": "street_lighting"}

    response = api_as(world.users["city_admin"]).post("/api/v1/needs/", {**data, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Need.objects.exists()


def test_the_api_refuses_survey_notes_over_the_limit(world, api_as):
    response = api_as(world.users["city_admin"]).post(
        "/api/v1/surveys/",
        {"community": world.a1.pk, "date": "2024-03-05", "channel": "visit", "notes": "长" * 2001},
        format="json",
    )

    assert response.status_code == 400
    assert "notes" in response.json()
    assert not NeedSurvey.objects.exists()


def test_the_edit_form_refuses_a_description_over_the_limit(logged, world, client_as):
    data = {
        "raised_on": "2024-03-05",
        "channel": "visit",
        "title": "路灯不亮",
        "category": "路灯照明",
        "description": "长" * 4001,
    }

    response = client_as(world.users["city_admin"]).post(reverse("needs:edit", args=[logged.pk]), data)

    assert response.status_code == 400
    assert "description" in response.context["form"].errors
    assert Need.objects.get(pk=logged.pk).description == ""


def test_the_close_form_refuses_a_reason_over_the_limit(logged, world, client_as):
    response = client_as(world.users["city_admin"]).post(
        reverse("needs:close", args=[logged.pk]), {"reason": "长" * 2001}
    )

    assert response.status_code == 400
    assert "reason" in response.context["close_form"].errors
    assert Need.objects.get(pk=logged.pk).status == Need.Status.OPEN


def test_the_import_refuses_a_description_over_the_limit(world, api_as):
    text = "社区,日期,标题,类别,描述\n320585100001,2024-03-05,路灯不亮,路灯照明," + "长" * 4001 + "\n"
    upload = SimpleUploadedFile("needs.csv", text.encode("utf-8"), content_type="text/csv")

    response = api_as(world.users["city_admin"]).post("/api/v1/needs/import/", {"file": upload})

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["row"], error["column"]) == (2, "描述")
    assert not Need.objects.exists()


# --- dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2014-12-31"])
def test_the_api_refuses_an_implausible_need_date(world, api_as, day):
    response = api_as(world.users["city_admin"]).post(
        "/api/v1/needs/",
        {"community": world.a1.pk, "date": day, "title": "路灯", "category": "street_lighting"},
        format="json",
    )

    assert response.status_code == 400
    assert "date" in response.json()
    assert not Need.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_api_refuses_an_implausible_survey_date(world, api_as, day):
    response = api_as(world.users["city_admin"]).post(
        "/api/v1/surveys/", {"community": world.a1.pk, "date": day, "channel": "visit"}, format="json"
    )

    assert response.status_code == 400
    assert "date" in response.json()
    assert not NeedSurvey.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_survey_form_refuses_an_implausible_date(world, client_as, day):
    response = client_as(world.users["city_admin"]).post(
        reverse("needs:survey_create"),
        {"community": world.a1.pk, "date": day, "channel": "visit", "participants": 3},
    )

    assert "date" in response.context["form"].errors
    assert not NeedSurvey.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_escalation_form_refuses_an_implausible_due_date(logged, world, client_as, day):
    response = client_as(world.users["city_admin"]).post(
        reverse("needs:escalate", args=[logged.pk]), {"department": "城管办", "due_on": day}
    )

    assert response.status_code == 400
    assert "due_on" in response.context["escalate_form"].errors
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_response_form_refuses_an_implausible_date(logged, world, client_as, day):
    escalation = services.need_escalate(
        need=logged, by=world.users["city_admin"], department="城管办", due_on=timezone.localdate()
    )

    response = client_as(world.users["city_admin"]).post(
        reverse("needs:respond", args=[escalation.pk]), {"response": "已修好", "responded_on": day}
    )

    assert response.status_code == 400
    assert "responded_on" in response.context["escalations"][0].respond_form.errors
    assert Escalation.objects.get().responded_on is None
