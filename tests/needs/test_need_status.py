"""The needs app owns a need's status: the services the projects app calls to
move needs with a project, the admin that shows status read-only, and two
people acting on one need at once."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from needs import services
from needs.models import Escalation, Need, NeedsList, ProblemCategory
from tests.querycount import capture, tables


def log(world, key="a1", title="路灯不亮"):
    return services.need_create(
        by=world.users["city_admin"],
        community=getattr(world, key),
        title=title,
        category=ProblemCategory.objects.get(code="street_lighting"),
        raised_on=date(2024, 3, 5),
    )


@pytest.fixture
def four(world):
    """Needs in each status a project meets: open, escalated, planned, closed."""
    needs = {status: log(world, title=status) for status in ("open", "escalated", "planned", "closed")}
    for status in ("escalated", "planned", "closed"):
        Need.objects.filter(pk=needs[status].pk).update(status=status, close_reason="重复")
    return needs


def statuses(needs) -> dict:
    return {key: Need.objects.get(pk=need.pk).status for key, need in needs.items()}


@pytest.mark.django_db
def test_lock_needs_answers_the_needs_in_id_order_with_community_and_category(world):
    for n in (3, 20):
        needs = [log(world, title=f"需求{n}-{i}") for i in range(n)]
        asked = [need.pk for need in reversed(needs)] + [needs[0].pk]  # out of order, one twice

        with transaction.atomic(), capture() as queries:
            locked = services.lock_needs(need_ids=asked)
            assert [need.community.code for need in locked] == [world.a1.code] * n
            assert {need.category.code for need in locked} == {"street_lighting"}

        assert [need.pk for need in locked] == sorted(need.pk for need in needs)
        assert tables(queries) == ["needs_need"], n  # the needs, locked, community and category joined


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("planned", {"open": "planned", "escalated": "planned", "planned": "planned", "closed": "closed"}),
        (
            "resolved",
            {"open": "resolved", "escalated": "resolved", "planned": "resolved", "closed": "closed"},
        ),
        ("open", {"open": "open", "escalated": "escalated", "planned": "open", "closed": "closed"}),
    ],
)
def test_needs_move_with_their_project_from_the_statuses_that_allow_it(four, world, status, expected):
    by = world.users["town_staff"]

    services.move_needs_with_project(needs=list(four.values()), status=status, by=by)

    assert statuses(four) == expected
    moved = [key for key in four if expected[key] != key]
    for key in moved:
        assert four[key].status == status  # the caller's objects follow too
        assert four[key].history.first().history_user == by


def test_needs_do_not_move_with_a_project_to_any_other_status(four, world):
    with pytest.raises(ValueError):
        services.move_needs_with_project(
            needs=list(four.values()), status="closed", by=world.users["city_admin"]
        )

    assert statuses(four) == {
        "open": "open",
        "escalated": "escalated",
        "planned": "planned",
        "closed": "closed",
    }


def test_a_need_closed_since_the_caller_read_it_stays_closed(world):
    need = log(world)
    stale = Need.objects.get(pk=need.pk)  # read as open
    services.need_close(need=need, by=world.users["city_admin"], reason="居民已自行解决")

    services.move_needs_with_project(needs=[stale], status="planned", by=world.users["city_admin"])

    assert Need.objects.get(pk=need.pk).status == "closed"


# --- the admin shows status, never changes it ------------------------------------------------------


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-123")


def test_the_admin_shows_a_needs_status_read_only(world, client, superuser):
    need = log(world)
    client.force_login(superuser)
    url = reverse("admin:needs_need_change", args=[need.pk])
    page = client.get(url)
    form = page.context["adminform"].form

    client.post(
        url,
        {
            **{name: form.initial.get(name) or "" for name in form.fields},
            "community": world.a1.pk,
            "category": need.category_id,
            "raised_on": "2024-03-05",
            "channel": "other",
            "title": "路灯不亮",
            "logged_by": superuser.pk,
            "status": "resolved",
        },
    )

    assert "status" not in form.fields
    assert Need.objects.get(pk=need.pk).status == "open"


def test_the_admin_cannot_restore_an_old_status_from_history(world, client, superuser):
    need = log(world)
    services.need_close(need=need, by=world.users["city_admin"], reason="重复")
    open_version = need.history.order_by("history_id").first()
    client.force_login(superuser)

    response = client.post(
        reverse("admin:needs_need_simple_history", args=[need.pk, open_version.history_id]), {}
    )

    assert response.status_code == 403
    assert Need.objects.get(pk=need.pk).status == "closed"


def test_a_published_needs_list_is_read_only_in_the_admin(world, client, superuser):
    log(world)
    needs_list = services.needs_list_compile(
        community_type=world.a1.type, year=2024, by=world.users["city_admin"]
    )
    services.needs_list_publish(needs_list=needs_list, by=world.users["city_admin"])
    client.force_login(superuser)
    url = reverse("admin:needs_needslist_change", args=[needs_list.pk])

    page = client.get(url)
    client.post(url, {"note": "改了"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert NeedsList.objects.get(pk=needs_list.pk).note == ""


def test_a_draft_needs_lists_state_is_read_only_in_the_admin(world, client, superuser):
    needs_list = services.needs_list_compile(
        community_type=world.a1.type, year=2024, by=world.users["city_admin"]
    )
    client.force_login(superuser)

    form = client.get(reverse("admin:needs_needslist_change", args=[needs_list.pk])).context["adminform"].form

    assert "state" not in form.fields and "published_at" not in form.fields
    assert "note" in form.fields


# --- two tabs at once (PostgreSQL: row locks) ------------------------------------------------------


def at_once(*actions):
    """Run the actions on two threads released together; answer what each did."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait()
            action()
            results[i] = "ok"
        except services.ConflictError:
            results[i] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_closing_and_escalating_one_need_at_once_leaves_a_consistent_need(world):
    """On PostgreSQL: the row lock queues the two; whatever the order, the need's
    status, its escalations and its history agree."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking is tested on PostgreSQL")
    need = log(world)
    due = timezone.localdate() + timedelta(days=7)

    results = at_once(
        lambda: services.need_close(
            need=Need.objects.get(pk=need.pk), by=world.users["community_worker"], reason="重复"
        ),
        lambda: services.need_escalate(
            need=Need.objects.get(pk=need.pk), by=world.users["town_staff"], department="城管办", due_on=due
        ),
    )

    final = Need.objects.get(pk=need.pk)
    final.full_clean()
    history = list(final.history.order_by("history_id").values_list("status", flat=True))
    if results == ["ok", "conflict"]:  # closed first: the escalation met a closed need
        assert (final.status, Escalation.objects.count(), history) == ("closed", 0, ["open", "closed"])
    else:  # escalated first, then closed (closing an escalated need is allowed)
        assert results == ["ok", "ok"]
        assert (final.status, Escalation.objects.count()) == ("closed", 1)
        assert history == ["open", "escalated", "closed"]


@pytest.mark.django_db(transaction=True)
def test_two_projects_taking_up_one_need_at_once_move_it_once(world):
    """On PostgreSQL: lock_needs queues the second mover behind the first."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking is tested on PostgreSQL")
    need = log(world)

    def take_up():
        with transaction.atomic():
            services.move_needs_with_project(
                needs=services.lock_needs(need_ids=[need.pk]), status="planned", by=world.users["city_admin"]
            )

    assert at_once(take_up, take_up) == ["ok", "ok"]
    history = list(Need.objects.get(pk=need.pk).history.values_list("status", flat=True))
    assert sorted(history) == ["open", "planned"]
