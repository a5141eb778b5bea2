"""Single promises of the API document, each once broken: the document is valid and
generated without warnings, and answers have the shape it declares."""

import warnings
from datetime import timedelta

from django.core.management import call_command
from django.core.paginator import UnorderedObjectListWarning
from django.utils import timezone

from tests.api.openapi import generated_schema


def test_the_schema_is_valid_and_generated_without_warnings(tmp_path):
    # Fails (SchemaGenerationError) on any warning, e.g. a filter whose type it must guess.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_a_new_survey_is_answered_with_the_fields_of_every_survey(api_world, api_as):
    worker = api_world.world.users["community_worker"]
    declared = generated_schema()["components"]["schemas"]["Survey"]["required"]

    response = api_as(worker).post(
        "/api/v1/surveys/",
        {
            "community": api_world.world.a1.pk,
            "date": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "channel": "visit",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert set(declared) <= set(response.json())
    assert response.json()["need_count"] == 0


def test_communities_asked_with_an_empty_ordering_come_in_the_default_order(api_world, api_as):
    admin = api_world.world.users["city_admin"]

    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        response = api_as(admin).get("/api/v1/communities/", {"ordering": ""})

    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == sorted(codes)
