"""Logging needs and moving them through close, escalation and resolution."""

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from needs import services
from needs.models import Escalation, Need, NeedSurvey, ProblemCategory, mask_mobile


def cat(code="street_lighting"):
    return ProblemCategory.objects.get(code=code)


@pytest.fixture
def need(world):
    return services.need_create(
        by=world.users["community_worker"],
        community=world.a1,
        title="路灯不亮",
        category=cat(),
        raised_on=date(2024, 3, 5),
        mobile="138 1234-5678",
        resident_name="张三",
    )


def test_a_logged_need_keeps_who_logged_it_and_a_normalised_number(need, world):
    assert need.status == Need.Status.OPEN
    assert need.mobile == "13812345678"
    assert need.masked_mobile == "138****5678"
    assert need.logged_by == world.users["community_worker"]
    assert need.history.latest().history_user == world.users["community_worker"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mobile": "1381234567"}, "mobile"),  # ten digits
        ({"mobile": "23812345678"}, "mobile"),  # not a mobile prefix
        ({"title": ""}, "title"),
        ({"raised_on": date.today() + timedelta(days=1)}, "raised_on"),
        ({"title": "长" * 101}, "title"),
    ],
)
def test_bad_needs_are_refused_on_the_field_and_write_nothing(world, changes, field):
    fields = {"title": "路灯不亮", "category": cat(), "raised_on": date(2024, 3, 5), **changes}
    with pytest.raises(ValidationError) as error:
        services.need_create(by=world.users["town_staff"], community=world.a1, **fields)
    assert field in error.value.error_dict
    assert not Need.objects.exists()


def test_an_inactive_category_cannot_take_new_needs(world):
    category = cat()
    category.is_active = False
    category.save()
    with pytest.raises(ValidationError) as error:
        services.need_create(
            by=world.users["town_staff"],
            community=world.a1,
            title="x",
            category=category,
            raised_on=date(2024, 1, 1),
        )
    assert "category" in error.value.error_dict


def test_a_need_from_a_survey_takes_its_date_and_channel_and_must_be_of_its_community(world):
    staff = world.users["town_staff"]
    survey = services.survey_create(
        by=staff, community=world.a1, date=date(2024, 6, 1), channel="contact_day"
    )
    need = services.need_create(
        by=staff, community=world.a1, survey=survey, title="加装电梯", category=cat("elevator_retrofit")
    )
    assert (need.raised_on, need.channel) == (date(2024, 6, 1), "contact_day")
    with pytest.raises(ValidationError):
        services.need_create(by=staff, community=world.a2, survey=survey, title="x", category=cat())
    assert Need.objects.count() == 1


def test_viewers_and_other_towns_cannot_log_needs(world):
    from django.core.exceptions import PermissionDenied

    for user, community in ((world.users["viewer"], world.a1), (world.users["town_staff"], world.b1)):
        with pytest.raises(PermissionDenied):
            services.need_create(
                by=user, community=community, title="x", category=cat(), raised_on=date(2024, 1, 1)
            )
        with pytest.raises(PermissionDenied):
            services.survey_create(by=user, community=community, date=date(2024, 1, 1), channel="visit")
    assert not Need.objects.exists() and not NeedSurvey.objects.exists()


def test_closing_needs_a_reason_and_reopening_clears_it(need, world):
    worker = world.users["community_worker"]
    with pytest.raises(ValidationError):
        services.need_close(need=need, by=worker, reason="  ")
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    services.need_close(need=need, by=worker, reason="居民已自行解决")
    need.refresh_from_db()
    assert (need.status, need.close_reason) == (Need.Status.CLOSED, "居民已自行解决")
    services.need_reopen(need=need, by=worker)
    need.refresh_from_db()
    assert (need.status, need.close_reason) == (Need.Status.OPEN, "")


def test_a_stale_close_is_a_conflict(need, world):
    worker = world.users["community_worker"]
    stale = Need.objects.get(pk=need.pk)
    services.need_close(need=need, by=worker, reason="重复")
    with pytest.raises(services.ConflictError):
        services.need_close(need=stale, by=world.users["town_staff"], reason="另一原因")
    need.refresh_from_db()
    assert need.close_reason == "重复"


@time_machine.travel("2024-06-10 09:00 +0800")
def test_escalation_response_and_resolution(need, world):
    staff = world.users["town_staff"]
    escalation = services.need_escalate(
        need=need, by=staff, department="镇建设管理局", due_on=date(2024, 6, 20)
    )
    need.refresh_from_db()
    assert need.status == Need.Status.ESCALATED
    with pytest.raises(services.NeedsError):
        services.need_resolve(need=need, by=staff)
    services.escalation_respond(
        escalation=escalation, by=staff, response="已列入维修计划", responded_on=date(2024, 6, 10)
    )
    with pytest.raises(services.ConflictError):
        services.escalation_respond(
            escalation=escalation, by=staff, response="再答一次", responded_on=date(2024, 6, 10)
        )
    services.need_resolve(need=need, by=staff)
    need.refresh_from_db()
    assert need.status == Need.Status.RESOLVED
    assert Escalation.objects.get().response == "已列入维修计划"


@time_machine.travel("2024-06-10 09:00 +0800")
def test_escalation_is_for_town_staff_with_a_future_due_date(need, world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.need_escalate(
            need=need, by=world.users["community_worker"], department="x", due_on=date(2024, 7, 1)
        )
    with pytest.raises(ValidationError):
        services.need_escalate(
            need=need, by=world.users["town_staff"], department="x", due_on=date(2024, 6, 1)
        )
    with pytest.raises(ValidationError):
        services.need_escalate(
            need=need, by=world.users["town_staff"], department=" ", due_on=date(2024, 7, 1)
        )
    assert not Escalation.objects.exists()


def test_overdue_escalations_are_listed_for_the_town(need, world, client):
    from needs.queries import overdue_escalations

    today = timezone.localdate()
    Escalation.objects.create(
        need=need,
        department="供电所",
        due_on=today - timedelta(days=3),
        escalated_by=world.users["town_staff"],
    )
    b_need = services.need_create(
        by=world.users["city_admin"],
        community=world.b1,
        title="b",
        category=cat(),
        raised_on=date(2024, 1, 1),
    )
    Escalation.objects.create(
        need=b_need,
        department="派出所",
        due_on=today - timedelta(days=3),
        escalated_by=world.users["city_admin"],
    )
    Escalation.objects.create(
        need=b_need,
        department="水务",
        due_on=today + timedelta(days=3),
        escalated_by=world.users["city_admin"],
    )
    Need.objects.filter(pk__in=[need.pk, b_need.pk]).update(status=Need.Status.ESCALATED)
    assert [e.department for e in overdue_escalations(world.users["town_staff"])] == ["供电所"]
    assert {e.department for e in overdue_escalations(world.users["city_admin"])} == {"供电所", "派出所"}
    # A need closed meanwhile is no longer waiting for its department.
    services.need_close(need=need, by=world.users["town_staff"], reason="居民撤回")
    assert overdue_escalations(world.users["town_staff"]).count() == 0


def test_the_edit_form_shows_the_full_number_and_logs_the_view(need, world, client):
    from needs.models import MobileView

    client.force_login(world.users["community_worker"])
    page = client.get(f"/needs/{need.pk}/edit/").content.decode()
    assert "13812345678" in page
    assert (
        MobileView.objects.filter(need=need, user=world.users["community_worker"], context="page").count()
        == 1
    )


def test_mask_mobile():
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("") == ""


@pytest.mark.django_db(transaction=True)
def test_two_people_closing_one_need_at_once_one_wins(world):
    """On PostgreSQL: exactly one close lands, the other meets a conflict."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking is tested on PostgreSQL")
    need = services.need_create(
        by=world.users["community_worker"],
        community=world.a1,
        title="噪音",
        category=cat("neighbour_disputes"),
        raised_on=date(2024, 1, 1),
    )
    barrier = threading.Barrier(2)
    results = []

    def act(user, reason):
        from django.db import connections

        try:
            barrier.wait()
            services.need_close(need=Need.objects.get(pk=need.pk), by=user, reason=reason)
            results.append("ok")
        except services.ConflictError:
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(world.users["community_worker"], "原因一")),
        threading.Thread(target=act, args=(world.users["town_staff"], "原因二")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    assert Need.objects.get(pk=need.pk).history.filter(status="closed").count() == 1
