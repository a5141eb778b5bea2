"""Two staff adding the same escalation department at the same moment: one is
added, the other is told the town already lists it; neither gets a server error.

Today the service looks for an existing row under SELECT … FOR UPDATE, which
locks nothing when the row does not exist yet, so both insert and the loser's
unique-constraint violation is a 500. Real threads on PostgreSQL decide it."""

import pytest
from django.test import Client

from needs.models import EscalationDepartment
from tests.concurrency import at_once

RACERS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_department_added_at_once_is_added_once_without_a_server_error(postgres_only, world):
    # given the town's staff on the department page in four tabs
    staff = world.users["town_staff"]
    clients = [Client(raise_request_exception=False) for _ in range(RACERS)]
    for client in clients:
        client.force_login(staff)
    url = f"/towns/{world.town_a.pk}/escalation-departments/"

    # when each tab adds 城管中队 at the same moment
    responses = at_once(RACERS, lambda i: clients[i].post(url, {"name": "城管中队", "order": "1"}))

    # then one is added and the others are refused with a reason, none with a 500
    statuses = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == [302] + [400] * (RACERS - 1), statuses
    assert EscalationDepartment.objects.filter(town=world.town_a, name="城管中队").count() == 1
