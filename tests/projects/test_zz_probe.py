import pytest
from django.urls import reverse

from tests.querycount import capture, tables
from tests.projects import test_project_pages as P
from tests.projects import test_project_api as A
from tests.projects import test_matching as M

ROLES = P.ROLES


def fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["list", "resources", "decision_days"])
def test_pages(world, client, role, kind):
    grow = {"list": P.grow_projects, "resources": P.grow_resources, "decision_days": P.grow_days}[kind]
    for n in ((10, 100) if kind != "decision_days" else (5, 50)):
        grow(world, n)
        client.force_login(fresh(world.users[role]))
        url = reverse("projects:" + kind)
        client.get(url)
        with capture() as q:
            r = client.get(url)
        assert r.status_code == 200
        print("\nPAGE", kind, role, n, tables(q))
        for x in q.captured_queries:
            print("   ", x["sql"][:300])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["projects", "resources"])
def test_api(world, api_as, role, kind):
    grow = {"projects": A.grow_projects, "resources": A.grow_resources}[kind]
    url = {"projects": A.PROJECTS_URL, "resources": A.RESOURCES_URL}[kind]
    for n in (10, 100):
        grow(world, n)
        api = api_as(fresh(world.users[role]))
        with capture() as q:
            r = api.get(url, {"page_size": 200})
        assert r.status_code == 200
        print("\nAPI", kind, role, n, tables(q))
        for x in q.captured_queries:
            print("   ", x["sql"][:300])
