"""SQLite chosen through DATABASE_URL (``sqlite:////path/db.sqlite3``) must get the
same settings as the embedded default: without IMMEDIATE transactions and a
busy timeout, two people saving at the same moment get "database is locked"
as a server error (seen with six surveys saved at once: three 500s)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def database_settings(env_extra: dict) -> dict:
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "governance.settings", **env_extra}
    code = (
        "import json; from django.conf import settings; "
        "db = settings.DATABASES['default']; "
        "print(json.dumps({'engine': db['ENGINE'], 'options': db.get('OPTIONS', {})}, default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_sqlite_named_by_url_waits_for_a_writer_instead_of_failing(tmp_path):
    url = f"sqlite:///{tmp_path / 'governance.sqlite3'}"

    db = database_settings({"DATABASE_URL": url})

    assert db["engine"] == "django.db.backends.sqlite3"
    assert db["options"].get("transaction_mode") == "IMMEDIATE"
    assert float(db["options"].get("timeout", 0)) >= 5
