"""The OpenAPI document the API serves at /api/schema/, read in-process, so that
the API tests are parametrized from what the API promises: a new endpoint or a
new filter is tested without anyone adding it here."""

import functools
import json

HTTP_METHODS = ("get", "put", "post", "patch", "delete")


@functools.cache
def generated_schema() -> dict:
    """The document /api/schema/ serves, generated as ``manage.py spectacular`` does
    (no request, no database: usable while tests are collected)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def operations() -> list[tuple[str, str, dict]]:
    """(method, path, operation) for every operation of the API."""
    return [
        (method.upper(), path, operation)
        for path, item in generated_schema()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def list_endpoints() -> list[tuple[str, dict]]:
    """(path, operation) for every GET of a collection of records (a path without a
    parameter, answered in JSON)."""
    return [
        (path, op)
        for method, path, op in operations()
        if method == "GET"
        and "{" not in path
        and "application/json" in op["responses"].get("200", {}).get("content", {})
    ]


def query_parameters(operation: dict) -> list[dict]:
    return [p for p in operation.get("parameters", []) if p.get("in") == "query"]
