"""The admin shows a project's state, decision and needs, and never changes them:
they move only along the workflow, which also moves the needs' status."""

import pytest
from django.urls import reverse

from needs.models import Need
from projects.models import Project
from tests.projects.factories import decision_day_of, need_in, project_in

S = Project.State


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-123")


def test_the_admin_shows_a_projects_state_decision_and_needs_read_only(world, client, superuser):
    # given a scheduled project of a1 and another open need of a1
    worker = world.users["community_worker"]
    project = project_in(S.SCHEDULED, community=world.a1, by=worker)
    Project.objects.filter(pk=project.pk).update(decision_day=decision_day_of(world.a1, by=worker))
    other = need_in(world.a1, by=worker, title="另一个需求")
    held = list(project.needs.values_list("pk", flat=True))
    client.force_login(superuser)
    url = reverse("admin:projects_project_change", args=[project.pk])

    # when the admin form is posted with another state, no decision day and other needs
    page = client.get(url)
    form = page.context["adminform"].form
    response = client.post(
        url,
        {
            **{name: "" if form.initial.get(name) is None else form.initial[name] for name in form.fields},
            "community": world.a1.pk,
            "year": 2025,
            "title": "加装路灯",
            "summary": "改了摘要",
            "proposer": worker.pk,
            "state": S.APPROVED,
            "decision_day": "",
            "needs": [other.pk],
            "resource_links-TOTAL_FORMS": 0,
            "resource_links-INITIAL_FORMS": 0,
        },
    )

    # then the rest was saved, but the page showed those without inputs and they did not change
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Project.objects.get(pk=project.pk).summary == "改了摘要"
    assert not {"state", "decision_day", "needs", "verdict", "satisfaction"} & set(form.fields)
    project.refresh_from_db()
    assert (project.state, project.decision_day_id is not None) == (S.SCHEDULED, True)
    assert list(project.needs.values_list("pk", flat=True)) == held
    assert Need.objects.get(pk=other.pk).status == Need.Status.OPEN


def test_the_admin_cannot_restore_an_old_state_from_history(world, client, superuser):
    from projects import services

    worker = world.users["community_worker"]
    project = project_in(S.DRAFT, community=world.a1, by=worker)
    services.transition(project=project, action="submit", by=worker)
    draft_version = project.history.order_by("history_id").first()
    client.force_login(superuser)

    response = client.post(
        reverse("admin:projects_project_simple_history", args=[project.pk, draft_version.history_id]), {}
    )

    assert response.status_code == 403
    assert Project.objects.get(pk=project.pk).state == S.SUBMITTED
