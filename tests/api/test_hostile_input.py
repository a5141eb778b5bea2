"""Hostile input never gets a 5xx from the API, and is never stored.

Parametrized from /api/schema/: every list endpoint with every query parameter
it declares, and every operation that takes a body, so a new endpoint or a new
filter is covered without anyone adding it here. Each answer is JSON with a
reason a client can show.
"""

import functools
import json
from urllib.parse import quote

import pytest
from django.apps import apps
from django.test import Client

from governance.api import router
from tests.api.conftest import ROLES
from tests.api.openapi import list_endpoints, operations, query_parameters

# What people paste and attackers type into a filter: non-ASCII digits, numbers
# out of every range, a float, a very long value, a NUL, dates at the calendar's ends.
HOSTILE_VALUES = [
    "²",
    "٣",
    "99999",
    "-1",
    str(10**22),
    "1e3",
    "a" * 10000,
    "street\u0000lighting",
    "\u0000",
    "0001-01-01",
    "9999-12-31",
]

LISTS = list_endpoints()
BODY_OPERATIONS = [(m, p, op) for m, p, op in operations() if op.get("requestBody")]


def _client(api_world, role) -> Client:
    return Client(HTTP_AUTHORIZATION=api_world.headers[role]["Authorization"])


def _reason(response) -> str | None:
    """Why the API refused (the detail, or the fields' reasons), or None when a refusal
    gives the client nothing to show. Every answer is JSON."""
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    if not isinstance(body, dict):
        return None
    reasons = [body.get("detail")] + [v for k, v in body.items() if k != "detail" and isinstance(v, list)]
    return "; ".join(str(r) for r in reasons if r) or None


def _path_with_real_id(path: str) -> str:
    """The path with the id of an existing record (the city admin sees every one)."""
    if "{" not in path:
        return path
    prefix = path.removeprefix("/api/v1/").split("/")[0]
    viewset = {p: v for p, v, _ in router.registry}[prefix]
    model = viewset.serializer_class.Meta.model
    field = "pk" if viewset.lookup_field == "pk" else viewset.lookup_field
    value = model._default_manager.order_by("pk").values_list(field, flat=True).first()
    name = path[path.index("{") + 1 : path.index("}")]
    return path.replace("{" + name + "}", str(value))


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ("communities", "needs", "projects")
    }


@pytest.mark.parametrize("path,operation", LISTS, ids=[p for p, _ in LISTS])
def test_hostile_filter_values_are_refused_or_ignored_never_a_server_error(path, operation, api_world):
    """Every declared query parameter, every hostile value, every role: 200, 400 or 404."""
    parameters = [p["name"] for p in query_parameters(operation)]
    broken = []
    for role in ROLES:
        client = _client(api_world, role)
        for name in parameters:
            for value in HOSTILE_VALUES:
                response = client.get(path, {name: value})
                if response.status_code not in (200, 400, 404):
                    broken.append(f"as {role}: ?{name}={value[:20]!r} -> {response.status_code}")
                    continue
                reason = _reason(response)
                if response.status_code != 200 and not reason:
                    broken.append(
                        f"as {role}: ?{name}={value[:20]!r} -> {response.status_code} without reason"
                    )
    assert not broken, "\n".join(broken)


HOSTILE_IDS = ["²", "٣", "３", "-1", "0", str(10**22), "1e3", "a" * 10000, "1\u0000"]
WITH_ID = [(m, p) for m, p, _ in operations() if "{" in p]


@pytest.mark.parametrize("method,path", WITH_ID, ids=[f"{m} {p}" for m, p in WITH_ID])
def test_a_hostile_id_in_the_path_is_not_found(method, path, api_world):
    """Whatever the role and the action, a malformed id names no record: 404 (a NUL: 400)."""
    name = path[path.index("{") + 1 : path.index("}")]
    broken = []
    for role in ROLES:
        client = _client(api_world, role)
        for value in HOSTILE_IDS:
            url = path.replace("{" + name + "}", quote(value, safe=""))
            response = client.generic(method, url, "{}", content_type="application/json")
            expected = 400 if "\u0000" in value else 404
            if response.status_code != expected or not _reason(response):
                broken.append(
                    f"as {role}: {value[:20]!r} -> {response.status_code} {response.content[:120]!r}"
                )
    assert not broken, "\n".join(broken)


# --- bodies ------------------------------------------------------------------------------------

DEEP_ARRAY = "[" * 50_000 + "]" * 50_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000
MALFORMED_BODIES = {
    "nested 50,000 deep (arrays)": DEEP_ARRAY,
    "nested 50,000 deep (objects)": DEEP_OBJECT,
    "null": "null",
    "an array": "[]",
    "a string": '"x"',
    "a NUL inside a string": json.dumps({"title": "路灯\u0000不亮", "note": "a\u0000b", "name": "x\u0000"}),
    "a NUL inside a key": json.dumps({"ti\u0000tle": "路灯"}),
    "not JSON": "{'title': 1",
    "NaN": '{"budget_total": NaN}',
}
JSON_OPERATIONS = [
    (m, p) for m, p, op in BODY_OPERATIONS if "application/json" in op["requestBody"].get("content", {})
]


@pytest.mark.parametrize("method,path", JSON_OPERATIONS, ids=[f"{m} {p}" for m, p in JSON_OPERATIONS])
def test_malformed_json_bodies_are_refused_with_a_reason(method, path, api_world):
    """The city admin reaches every body (400); other roles may be stopped before it (403,
    404), but nobody gets a 5xx or a success, and nothing is stored."""
    url = _path_with_real_id(path)
    before = _row_counts()
    broken = []
    for role in ROLES:
        client = _client(api_world, role)
        for what, body in MALFORMED_BODIES.items():
            response = client.generic(method, url, body, content_type="application/json")
            allowed = (400,) if role == "city_admin" else (400, 403, 404)
            if response.status_code not in allowed:
                broken.append(f"as {role}: {what} -> {response.status_code} {response.content[:200]!r}")
            elif not _reason(response):
                broken.append(f"as {role}: {what} -> {response.status_code} without reason")
    assert not broken, "\n".join(broken)
    assert _row_counts() == before


@functools.cache
def _huge_body(kind: str) -> bytes:
    """A 30,000,000-character description, as JSON or as a multipart form field."""
    description = "a" * 30_000_000
    if kind == "json":
        return json.dumps({"description": description}).encode()
    return (
        f'--b\r\nContent-Disposition: form-data; name="description"\r\n\r\n{description}\r\n--b--\r\n'
    ).encode()


@pytest.mark.parametrize(
    "method,path,operation", BODY_OPERATIONS, ids=[f"{m} {p}" for m, p, _ in BODY_OPERATIONS]
)
def test_a_30_million_character_body_is_refused_before_anything_is_stored(method, path, operation, api_world):
    content = operation["requestBody"]["content"]
    url = _path_with_real_id(path)
    before = _row_counts()
    client = _client(api_world, "city_admin")
    if "application/json" in content:
        response = client.generic(method, url, _huge_body("json"), content_type="application/json")
    else:
        response = client.generic(
            method, url, _huge_body("multipart"), content_type="multipart/form-data; boundary=b"
        )
    assert response.status_code == 413
    assert _reason(response)
    assert _row_counts() == before
