"""Query-count tests that say which queries they expect, not only how many.

    with capture() as queries:
        client.get(url)
    assert tables(queries) == ["django_session", "auth_user", ...]

``tables`` names each query by the main table it reads or writes, so a test
lists the expected queries in order; the same list at two data sizes proves the
page runs no query per row.
"""

import re
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

_MAIN_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
_NOISE = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT)", re.IGNORECASE)


@contextmanager
def capture():
    with CaptureQueriesContext(connection) as ctx:
        yield ctx


def table_of(sql: str) -> str:
    """The table a query is about: the first after FROM, INTO or UPDATE outside
    any parentheses (a subquery in the select list does not count); a COUNT over
    a subquery is named by the subquery's table, prefixed "count:"."""
    top = _top_level(sql)
    match = _MAIN_TABLE.search(top) or _MAIN_TABLE.search(sql)
    name = match.group(1) if match else sql.split()[0].lower()
    if re.match(r"\s*SELECT\s+COUNT\(\*\)", sql, re.IGNORECASE):
        inner = _MAIN_TABLE.search(sql)
        return f"count:{inner.group(1) if inner else name}"
    if name == "subquery":  # an aggregate over a subquery: named by what it reads
        inner = _MAIN_TABLE.search(sql)
        return f"aggregate:{inner.group(1) if inner else name}"
    return name


def _top_level(sql: str) -> str:
    """The query with everything inside parentheses blanked out."""
    out, depth = [], 0
    for char in sql:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
            continue
        out.append(char if depth == 0 else " ")
    return "".join(out)


def tables(ctx) -> list[str]:
    """The main table of every captured query, in order (transaction noise left out)."""
    return [table_of(q["sql"]) for q in ctx.captured_queries if not _NOISE.match(q["sql"])]
