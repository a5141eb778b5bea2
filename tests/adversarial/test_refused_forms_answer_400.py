"""A form sent with mistakes comes back with its errors and status 400, as the
needs and project pages already do. These registry, user, resource and
decision-day forms answer 200, so a client (or a browser test) cannot tell a
refusal from a page view, and nothing is flagged in the access log."""

import pytest

from communities.models import Community
from projects.models import DecisionDay, Resource


@pytest.mark.parametrize(
    "path",
    [
        "/communities/new/",
        "/communities/{a1}/edit/",
        "/users/new/",
        "/resources/new/",
        "/decision-days/new/",
    ],
)
def test_a_form_sent_with_a_bad_date_or_missing_fields_is_a_400(world, client_as, path):
    before = (Community.objects.count(), Resource.objects.count(), DecisionDay.objects.count())
    client = client_as(world.users["city_admin"])

    response = client.post(path.format(a1=world.a1.pk), {"date": "9999-12-31", "households": "-1"})

    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert (Community.objects.count(), Resource.objects.count(), DecisionDay.objects.count()) == before
