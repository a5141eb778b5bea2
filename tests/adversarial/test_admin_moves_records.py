"""A project answers needs of its own community and is decided on a decision
day of that community. The admin lets a city admin move a scheduled project,
or one of its needs, to another town's community, leaving the project holding
a need and a decision day of a community it no longer belongs to."""

from django.urls import reverse

from needs.models import Need
from projects.models import Project
from tests.projects.factories import decision_day_of, need_in, project_in

S = Project.State


def _post_change(client, url, overrides):
    form = client.get(url).context["adminform"].form
    data = {name: "" if form.initial.get(name) is None else form.initial[name] for name in form.fields}
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if v is not False}
    data.update({"resource_links-TOTAL_FORMS": 0, "resource_links-INITIAL_FORMS": 0})
    data.update(overrides)
    return client.post(url, data)


def test_the_admin_does_not_move_a_scheduled_project_to_another_towns_community(world, client_as):
    # given a project of a1 scheduled on a1's decision day, holding a need of a1
    worker = world.users["community_worker"]
    project = project_in(S.SCHEDULED, community=world.a1, by=worker)
    Project.objects.filter(pk=project.pk).update(decision_day=decision_day_of(world.a1, by=worker))
    client = client_as(world.users["city_admin"])

    # when a city admin changes its community to b1 (沙溪镇) in the admin
    _post_change(
        client, reverse("admin:projects_project_change", args=[project.pk]), {"community": world.b1.pk}
    )

    # then the project stays with the community of its needs and its decision day
    project.refresh_from_db()
    assert project.community_id == world.a1.pk
    assert set(project.needs.values_list("community_id", flat=True)) == {world.a1.pk}


def test_the_admin_does_not_move_a_need_held_by_a_project_to_another_community(world, client_as):
    # given a need of a1 taken up by a draft project of a1
    worker = world.users["community_worker"]
    need = need_in(world.a1, by=worker, title="东苑路灯")
    project = project_in(S.DRAFT, community=world.a1, by=worker)
    project.needs.add(need)
    client = client_as(world.users["city_admin"])

    # when a city admin moves the need to b1 in the admin
    _post_change(client, reverse("admin:needs_need_change", args=[need.pk]), {"community": world.b1.pk})

    # then the need stays in a1, with the project that holds it
    assert Need.objects.get(pk=need.pk).community_id == world.a1.pk
