"""The other needs lists (surveys, needs lists, categories) run the same number of
queries whatever their size."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import CommunityType
from needs import services
from needs.models import NeedsList, NeedSurvey, ProblemCategory


def count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def fresh(user):
    """Each request loads its user afresh (the scope is cached on the object)."""
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db
def test_survey_list_page_and_endpoint(client, api_as, world):
    # Page: session, user, scope, demo flag, count, rows with community, town and
    # the person who ran it, and each survey's need count in the same query.
    admin = world.users["city_admin"]
    counts = []
    for n in (5, 60):
        NeedSurvey.objects.bulk_create(
            [
                NeedSurvey(
                    community=(world.a1, world.b1)[i % 2],
                    date=date(2024, 1, 1),
                    channel="visit",
                    conducted_by=admin,
                )
                for i in range(n - NeedSurvey.objects.count())
            ]
        )
        client.force_login(admin)
        client.get("/surveys/")
        counts.append(
            (
                count(lambda: client.get("/surveys/")),
                count(lambda: api_as(fresh(admin)).get("/api/v1/surveys/")),
            )
        )
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_needs_lists_page_and_endpoint(client, api_as, world):
    # Endpoint: scope, count, the lists with their type, and one prefetch of all items.
    admin = world.users["city_admin"]
    category = ProblemCategory.objects.get(code="street_lighting")
    for c in (world.a1, world.a2, world.b1, world.b2):
        services.need_create(
            by=admin, community=c, title="路灯", category=category, raised_on=date(2024, 2, 1)
        )
    types = list(CommunityType.objects.all())
    counts = []
    for n in (2, 16):
        while NeedsList.objects.count() < n:
            t = types[NeedsList.objects.count() % len(types)]
            services.needs_list_compile(community_type=t, year=2024, by=admin)
        client.force_login(admin)
        client.get("/needs-lists/")
        counts.append(
            (
                count(lambda: client.get("/needs-lists/")),
                count(lambda: api_as(fresh(admin)).get("/api/v1/needs-lists/")),
            )
        )
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_categories_page_and_endpoint(client, api_as, world):
    admin = world.users["city_admin"]
    counts = []
    for extra in (0, 40):
        ProblemCategory.objects.bulk_create(
            [
                ProblemCategory(
                    code=f"extra_{i}",
                    name=f"新增类别{i}",
                    name_en=f"Extra {i}",
                    domain="service",
                    order=100 + i,
                )
                for i in range(extra)
            ]
        )
        client.force_login(admin)
        client.get("/categories/")
        counts.append(
            (
                count(lambda: client.get("/categories/")),
                count(lambda: api_as(fresh(admin)).get("/api/v1/problem-categories/")),
            )
        )
    assert counts[0] == counts[1]
