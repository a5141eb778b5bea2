"""Several people taking up the same need at the same moment: exactly one project
gets it, every other request is a clear conflict (409 in the API, the message on
the page), and no need ends up held by two active projects.

These run real threads, each with its own database connection, so the row locks
are what decides; they run on PostgreSQL (the production database).
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from projects.models import Project
from projects.workflow import ACTIVE_STATES
from tests.concurrency import at_once
from tests.projects.factories import need_in, project_in

S = Project.State
RACERS = 8


def holders(need) -> list[str]:
    return list(
        Project.objects.filter(needs=need, state__in=ACTIVE_STATES)
        .order_by("pk")
        .values_list("title", flat=True)
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_proposals_of_the_same_need_at_once_make_exactly_one_draft(postgres_only, world):
    # given one open need of a1
    worker = world.users["community_worker"]
    need = need_in(world.a1, by=worker, title="东苑路灯不亮")

    # when eight clients propose a project for it at the same moment
    clients = [APIClient() for _ in range(RACERS)]
    for api in clients:
        api.force_authenticate(worker)

    def propose(i):
        body = {"community": world.a1.pk, "year": 2025, "title": f"路灯项目{i}", "summary": "补装路灯"}
        return clients[i].post("/api/v1/projects/", {**body, "needs": [need.pk]}, format="json")

    responses = at_once(RACERS, propose)

    # then one draft holds the need and seven clients are told it was taken first
    statuses = sorted(getattr(r, "status_code", r) for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1), statuses
    assert len(holders(need)) == 1
    assert Project.objects.count() == 1
    for response in responses:
        if response.status_code == 409:
            assert need.title in response.json()["detail"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_drafts_edited_at_once_to_take_the_same_need_leave_it_with_one_of_them(postgres_only, world):
    # given four drafts of a1 and one more open need
    worker = world.users["community_worker"]
    drafts = [project_in(S.DRAFT, community=world.a1, by=worker, title=f"草稿{i}") for i in range(8)]
    need = need_in(world.a1, by=worker, title="东苑井盖松动")

    # when the worker saves each draft with that need added, all at the same moment
    clients = [Client() for _ in drafts]
    for client in clients:
        client.force_login(worker)
    forms = []
    for draft in drafts:
        forms.append(
            {
                "year": 2025,
                "title": draft.title,
                "summary": "摘要",
                "budget_total": "0",
                "budget_city": "0",
                "budget_town": "0",
                "budget_community": "0",
                "budget_charity": "0",
                "budget_co_building": "0",
                "needs": [*draft.needs.values_list("pk", flat=True), need.pk],
            }
        )

    responses = at_once(
        len(drafts), lambda i: clients[i].post(reverse("projects:edit", args=[drafts[i].pk]), forms[i])
    )

    # then exactly one draft took it; the others are shown again with the conflict
    statuses = sorted(getattr(r, "status_code", r) for r in responses)
    assert statuses == [302] + [400] * (len(drafts) - 1), statuses
    assert len(holders(need)) == 1
    for response in responses:
        if response.status_code == 400:
            assert need.title in response.content.decode()
