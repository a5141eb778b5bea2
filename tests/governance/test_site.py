"""Site-wide promises: Chinese first, English available, production-safe settings."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_chinese_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    assert len(po) > 100
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    stale = [
        e.msgid
        for e in po
        if not e.obsolete and not e.msgid_plural and compiled.get((e.msgctxt, e.msgid)) != e.msgstr
    ]
    assert not stale, f"django.mo is older than django.po for: {stale[:10]}"


def test_every_template_string_is_in_the_catalogue():
    """A {% translate %} string missing from the .po would show in English."""
    import re

    po_ids = {e.msgid for e in polib.pofile(str(CATALOGUE / "django.po"))}
    missing = []
    for path in (ROOT / "templates").rglob("*.html"):
        for msgid in re.findall(r'{% translate "([^"]+)"', path.read_text(encoding="utf-8")):
            if msgid not in po_ids:
                missing.append((path.name, msgid))
    assert not missing


@pytest.mark.django_db
def test_pages_are_in_chinese_by_default_and_english_on_request(client, world):
    client.force_login(world.users["viewer"])
    page = client.get("/communities/").content.decode()
    assert "社区类型" in page and "Community type" not in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/communities/"})
    page = client.get("/communities/").content.decode()
    assert "Community type" in page


def test_dates_read_the_chinese_way():
    with translation.override("zh-hans"):
        rendered = Template("{{ d|date }}").render(Context({"d": date(2024, 3, 5)}))
    assert rendered == "2024年3月5日"


@pytest.mark.django_db
def test_login_page_is_served_with_local_assets_only(client):
    page = client.get("/accounts/login/").content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def _deploy_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x7#Qk2!vB9@mL4$wR8^tY1&uI6*oP3(aS5)dF0_gH7+jK2=zX9",
        DJANGO_ALLOWED_HOSTS="governance.example.gov.cn",
        **extra,
    )
    return env


def test_check_deploy_is_clean_with_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_deploy_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _deploy_env()
    env.pop("DJANGO_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_pages_until_the_user_switches(client, world):
    client.force_login(world.users["viewer"])
    page = client.get("/types/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "治理目标" in page


@pytest.mark.django_db
def test_api_clients_may_ask_for_english_messages(api_as, world):
    response = api_as(world.users["town_staff"]).patch(
        f"/api/v1/communities/{world.a1.pk}/", {"name": "改名"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert "You may not change" in response.json()["detail"]
    response = api_as(world.users["town_staff"]).patch(
        f"/api/v1/communities/{world.a1.pk}/", {"name": "改名"}, format="json"
    )
    assert response.json()["detail"] == "您无权修改以下字段：名称。"
