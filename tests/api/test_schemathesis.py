"""The API keeps the promise its OpenAPI document makes, as each of the four roles.

schemathesis generates requests for every operation of /api/schema/ (valid ones,
and ones that break the schema on purpose), sends them in-process as each role
with a token, and checks three things of every answer: it is never a 5xx, a
documented answer matches its documented schema, and a success has a status the
document names. Path ids are drawn from records
that exist (most of them in some role's scope, some outside it) as well as from
generated numbers, and references in bodies and queries (community, town,
needs, decision day …) from real ones too, so detail endpoints and workflow
actions are exercised, not only their 404s.

Bounded to stay in the normal test run: a fixed number of examples per
operation, derandomized, no shrinking, no example database. Every
example runs in a savepoint that is rolled back, so each one sees the same
seeded world and nothing depends on order.
"""

import re
from datetime import timedelta

import pytest
import schemathesis
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from communities.models import Community, CommunityType, Town
from governance.api import router
from needs.models import Need, NeedSurvey, ProblemCategory
from projects.models import DecisionDay, Resource, ResourceCategory
from tests.api.conftest import ROLES
from tests.api.openapi import generated_schema, operations

# Examples per operation (valid and invalid ones mixed); each is sent as every role.
EXAMPLES = 25


@schemathesis.check
def success_status_is_documented(ctx, response, case):
    """A success answers with a status the document names (201 for a creation …);
    a client branches on it. (Refusals, 4xx, are not all documented.)"""
    documented = case.operation.definition.raw["responses"]
    if 200 <= response.status_code < 300 and str(response.status_code) not in documented:
        raise AssertionError(
            f"Answered {response.status_code}; the document names {', '.join(sorted(documented))}"
        )


CHECKS = [not_a_server_error, response_schema_conformance, success_status_is_documented]
BASE_URL = "http://testserver"

SCHEMA = schemathesis.openapi.from_dict(generated_schema())
OPERATIONS = [f"{method} {path}" for method, path, _ in operations()]


def test_the_tested_document_is_the_one_the_api_serves(api_world, api_app):
    """The operations below come from the generated document; /api/schema/ serves that one to every role."""
    from werkzeug import Client

    client = Client(api_app)
    for role in ROLES:
        response = client.get("/api/schema/?format=json", headers=api_world.headers[role], base_url=BASE_URL)
        assert response.status_code == 200
        assert response.json == generated_schema(), role


def _path_ids(path: str) -> list:
    """Every existing value of the path's lookup, whoever may see it."""
    prefix = path.removeprefix("/api/v1/").split("/")[0]
    viewset = {p: v for p, v, _ in router.registry}[prefix]
    model = viewset.serializer_class.Meta.model
    field = "pk" if viewset.lookup_field == "pk" else viewset.lookup_field
    return sorted(model._default_manager.values_list(field, flat=True))


def _references() -> dict[str, st.SearchStrategy]:
    """Real values for reference fields of bodies and queries, by name, as a client
    may give them (id or code)."""
    communities = list(Community.objects.values_list("pk", flat=True)) + list(
        Community.objects.values_list("code", flat=True)
    )
    towns = list(Town.objects.values_list("pk", flat=True)) + list(
        Town.objects.values_list("code", flat=True)
    )
    types = list(CommunityType.objects.values_list("code", flat=True))
    categories = list(ProblemCategory.objects.values_list("code", flat=True)[:10]) + list(
        ResourceCategory.objects.values_list("code", flat=True)
    )
    needs = list(Need.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    return {
        # Plausible years and dates, which generated ones rarely are, reach the success paths.
        "year": st.sampled_from([today.year - 1, today.year]),
        "date": st.sampled_from([(today - timedelta(days=d)).isoformat() for d in (0, 1, 30)]),
        "community": st.sampled_from(communities),
        "town": st.sampled_from(towns),
        "type": st.sampled_from(types),
        "community_type": st.sampled_from(types),
        "category": st.sampled_from(categories),
        "survey": st.sampled_from(list(NeedSurvey.objects.values_list("pk", flat=True))),
        "decision_day": st.sampled_from(list(DecisionDay.objects.values_list("pk", flat=True))),
        "resource": st.sampled_from(list(Resource.objects.values_list("pk", flat=True))),
        "needs": st.lists(st.sampled_from(needs), min_size=1, max_size=3, unique=True),
    }


def _maybe(data, real: st.SearchStrategy, generated):
    """Half the time a real value, otherwise what schemathesis generated."""
    return data.draw(st.one_of(st.just(generated), real))


def _use_real_references(data, case, ids: list, references: dict) -> None:
    if ids and case.path_parameters:
        for name in case.path_parameters:
            case.path_parameters[name] = _maybe(data, st.sampled_from(ids), case.path_parameters[name])
    for container in (case.query, case.body if isinstance(case.body, dict) else None):
        for name in list(container or {}):
            if name in references:
                container[name] = _maybe(data, references[name], container[name])


def _describe(case, response, failure, app) -> str:
    body = None if isinstance(case.body, NotSet) else case.body
    lines = [
        f"{case.method} {case.formatted_path}",
        f"  query: {case.query!r}" if case.query else "",
        f"  body: {str(body)[:300]}" if body is not None else "",
        f"  -> {response.status_code} {response.content[:300].decode(errors='replace')}",
        f"  [{failure.title}] {failure.message.strip()[:600]}",
    ]
    if response.status_code >= 500 and app.last_exception:
        lines.append("  " + app.last_exception.strip().replace("\n", "\n  ")[-2000:])
    return "\n".join(line for line in lines if line)


def _kind(failure) -> tuple:
    """One broken promise, whatever the values that showed it."""
    where = [line for line in failure.message.splitlines() if line.startswith("Schema at")]
    return (failure.title, where[0] if where else re.sub(r"\d+", "N", failure.message)[:200])


BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.mark.parametrize("label", OPERATIONS, ids=[o.replace("{", "").replace("}", "") for o in OPERATIONS])
def test_operation_keeps_its_promise_for_every_role(label, api_world, api_app):
    method, path = label.split(" ", 1)
    operation = SCHEMA[path][method]
    ids = _path_ids(path) if "{" in path else []
    references = _references()
    strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
    takes_input = bool(operation.path_parameters or operation.query or operation.body)
    if takes_input:
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    found: dict[tuple, dict] = {}

    # An operation without input has one request to make.
    @settings(BOUNDED, max_examples=EXAMPLES if takes_input else 1)
    @given(data=st.data())
    def examples(data):
        case = data.draw(st.one_of(strategies))
        _use_real_references(data, case, ids, references)
        for role in ROLES:
            # Each role meets the same world: what one request wrote is undone.
            with transaction.atomic():
                response = case.call(base_url=BASE_URL, headers=api_world.headers[role], app=api_app)
                transaction.set_rollback(True)
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                for failure in group.exceptions:
                    seen = found.setdefault(_kind(failure), {"roles": set(), "example": None})
                    seen["roles"].add(role)
                    seen["example"] = seen["example"] or _describe(case, response, failure, api_app)

    examples()
    report = [f"as {', '.join(sorted(f['roles']))}: {f['example']}" for f in found.values()]
    assert not found, f"{len(found)} broken promise(s) of {label}:\n\n" + "\n\n".join(report)
