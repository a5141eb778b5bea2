"""Benchmarks, run by hand (`make bench`); results go to docs/benchmarks.md.

- import: check and commit a 10,000-row needs file (.csv and .xlsx): rows per
  second and peak Python memory;
- compile: compile one community type's needs list over 200,000 needs.

The database is BENCH_DATABASE_URL (default: PostgreSQL on 127.0.0.1, database
governance_bench, created afresh). Nothing touches the development database.
"""

import io
import os
import random
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/governance_bench"
)
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")


def reset_database():
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')


def main():
    reset_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0)

    from django.contrib.auth import get_user_model
    from django.db import connection

    from communities.models import Community, CommunityType, Membership, Role, Town
    from needs import importing, services
    from needs.importing import COLUMNS
    from needs.models import Need, ProblemCategory

    user = get_user_model().objects.create_user("bench_admin", password="x")
    Membership.objects.create(user=user, role=Role.CITY_ADMIN)
    town = Town.objects.create(code="320585100", name="城厢镇")
    types = list(CommunityType.objects.all())
    communities = Community.objects.bulk_create(
        [
            Community(code=f"320585100{i:03d}", name=f"基准社区{i}", town=town, type=types[i % 8])
            for i in range(1, 163)
        ]
    )
    categories = list(ProblemCategory.objects.all())
    rng = random.Random(1)
    results = [f"Database: {connection.vendor}", ""]

    # --- import ---------------------------------------------------------------------------
    rows = []
    for i in range(10_000):
        c = rng.choice(communities)
        rows.append(
            [
                c.code,
                (date(2024, 1, 1) + timedelta(days=i % 365)).isoformat(),
                "巡访问事",
                f"需求标题{i}",
                "基准测试生成的需求描述",
                rng.choice(categories).name,
                "否",
                "3幢",
                "张三",
                "13812345678",
            ]
        )
    headers = [chinese for _k, chinese, _e in COLUMNS]
    csv_bytes = ("\n".join(",".join(r) for r in [headers, *rows]) + "\n").encode("gbk")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    xlsx_bytes = buf.getvalue()

    for label, name, data in (("CSV (GBK)", "bench.csv", csv_bytes), ("XLSX", "bench.xlsx", xlsx_bytes)):
        # Timed without tracemalloc (it slows Python down), then measured with it.
        Need.objects.all().delete()
        started = time.perf_counter()
        checked = importing.check_file(file=io.BytesIO(data), file_name=name, user=user)
        check_time = time.perf_counter() - started
        assert not checked.errors, checked.errors[:3]
        Need.objects.all().delete()
        started = time.perf_counter()
        batch = services.import_needs(file=io.BytesIO(data), file_name=name, by=user)
        elapsed = time.perf_counter() - started
        assert batch.rows == 10_000 and Need.objects.count() == 10_000
        Need.objects.all().delete()
        tracemalloc.start()
        services.import_needs(file=io.BytesIO(data), file_name=name, by=user)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results.append(
            f"import {label}: 10,000 rows in {elapsed:.2f} s = {10_000 / elapsed:,.0f} rows/s "
            f"(checking alone {check_time:.2f} s), "
            f"peak Python memory {peak / 1e6:.0f} MB (file {len(data) / 1e6:.2f} MB)"
        )

    # --- compile over 200,000 needs ----------------------------------------------------------
    Need.objects.all().delete()
    ctype = types[0]
    own = [c for c in communities if c.type_id == ctype.pk]
    others = [c for c in communities if c.type_id != ctype.pk]
    batch = []
    total = 200_000
    for i in range(total):
        # a third of the city's needs belong to the type being compiled
        community = own[i % len(own)] if i % 3 == 0 else others[i % len(others)]
        batch.append(
            Need(
                community=community,
                raised_on=date(2024, 1, 1) + timedelta(days=i % 365),
                title=f"需求{i}",
                category=categories[(i * 7) % len(categories)],
                urgent=i % 9 == 0,
                logged_by=user,
            )
        )
        if len(batch) == 10_000:
            Need.objects.bulk_create(batch)
            batch = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE needs_need")
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        needs_list = services.needs_list_compile(community_type=ctype, year=2024, by=user)
        timings.append(time.perf_counter() - started)
    results.append(
        f"compile {ctype.code} 2024 over {total:,} needs ({needs_list.needs_total:,} of the type, "
        f"{needs_list.items.count()} items): best {min(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms"
    )
    # --- matching over a 5,000-resource catalogue ------------------------------------------------
    from django.test.utils import CaptureQueriesContext

    from projects.models import Resource, ResourceCategory
    from projects.queries import match_resources

    resource_categories = list(ResourceCategory.objects.all())
    Resource.objects.bulk_create(
        [
            Resource(
                name=f"资源{i}",
                category=resource_categories[i % len(resource_categories)],
                level="city" if i % 3 == 0 else "community",
                community=None if i % 3 == 0 else communities[i % len(communities)],
                capacity_amount=1000,
                capacity_unit="元",
            )
            for i in range(5_000)
        ]
    )
    community = communities[0]
    needs = list(Need.objects.filter(community=community)[:3]) or [
        Need.objects.create(
            community=community, raised_on=date(2024, 1, 1), title="x", category=categories[0], logged_by=user
        )
    ]
    timings = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            match_resources(community=community, needs=needs)
            timings.append(time.perf_counter() - started)
    results.append(
        f"match resources for one community over 5,000 resources: {len(ctx.captured_queries)} queries, "
        f"best {min(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms"
    )
    print("\n".join(results))


if __name__ == "__main__":
    main()
