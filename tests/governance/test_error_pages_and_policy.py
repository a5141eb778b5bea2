"""The Content-Security-Policy on every answer, pages that give it nothing inline to
refuse, and error answers people and clients can read (with DEBUG on too)."""

import io
import logging
import re
from datetime import date

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from governance.error_pages import server_error
from needs.models import Channel, NeedSurvey
from needs.services.lists import needs_list_compile
from tests.projects.factories import need_in

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style\b", re.I)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/no-such-page/", "/api/v1/communities/", "/admin/login/"]
)
def test_every_answer_carries_the_policy(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == POLICY


@pytest.mark.django_db
def test_pages_hold_no_inline_script_handler_or_style(client, world):
    need = need_in(world.a1, by=world.users["community_worker"])
    pages = [
        "/",
        "/communities/",
        f"/communities/{world.a1.pk}/",
        "/needs/",
        f"/needs/{need.pk}/",
        f"/needs/{need.pk}/edit/",
        "/surveys/",
        "/surveys/new/",
        "/needs-lists/",
        "/projects/",
        "/decision-days/",
        "/decision-days/new/",
        "/resources/",
        "/categories/",
        "/types/",
        "/users/",
        "/accounts/password/",
        "/api/docs/",
    ]
    survey = NeedSurvey.objects.create(
        community=world.a1, date=date(2026, 1, 5), channel=Channel.RESIDENTS_CALL, conducted_by=need.logged_by
    )
    needs_list = needs_list_compile(
        community_type=world.a1.type, year=need.raised_on.year, by=world.users["city_admin"]
    )
    pages += [
        f"/surveys/{survey.pk}/",
        f"/needs-lists/{needs_list.pk}/",
        f"/needs-lists/{needs_list.pk}/?print=1",
    ]
    client.force_login(world.users["city_admin"])
    for path in pages:
        assert_nothing_inline(client, path)
    client.force_login(world.users["community_worker"])
    for path in ["/projects/new/", f"/surveys/{survey.pk}/"]:
        assert_nothing_inline(client, path)


def assert_nothing_inline(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page), path
    assert not INLINE_HANDLER.search(page), path
    assert not INLINE_STYLE.search(page), path
    assert "hx-on" not in page, path


@pytest.mark.django_db
def test_api_docs_load_their_start_up_script_as_a_file(client, world):
    client.force_login(world.users["viewer"])
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="' in page


@pytest.mark.django_db
def test_htmx_is_told_not_to_inject_styles(client):
    page = client.get("/accounts/login/").content.decode()
    assert '"includeIndicatorStyles":false' in page


@pytest.mark.django_db
def test_unknown_address_with_debug_on_answers_the_chinese_404(client, world, settings):
    settings.DEBUG = True
    client.force_login(world.users["viewer"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "Page not found" not in page and "URLconf" not in page


@pytest.mark.django_db
def test_record_out_of_scope_with_debug_on_answers_the_chinese_404(client, world, settings):
    settings.DEBUG = True
    other = need_in(world.b1, by=world.users["city_admin"])
    client.force_login(world.users["community_worker"])
    response = client.get(f"/needs/{other.pk}/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_a_missing_slash_still_redirects_with_debug_on(client, world, settings):
    settings.DEBUG = True
    client.force_login(world.users["viewer"])
    response = client.get("/needs")
    assert response.status_code == 301 and response["Location"] == "/needs/"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_address_answers_json(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_server_error_page_renders_without_a_request_context():
    with translation.override("zh-hans"):
        page = render_to_string("500.html")
    assert "服务器错误" in page
    assert '<html lang="zh-hans">' in page
    assert "style=" not in page


def test_server_error_of_the_api_is_json():
    response = server_error(RequestFactory().get("/api/v1/needs/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in page


@pytest.fixture
def console_log():
    """What the console handler of the LOGGING setting writes."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(type(f).__name__ == "RefusalsOnOneLine" for f in h.filters)
    )
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


@pytest.mark.django_db
def test_a_refusal_is_logged_as_one_line_without_traceback(client, world, console_log):
    client.force_login(world.users["viewer"])
    response = client.get("/surveys/new/")
    assert response.status_code == 403
    written = console_log.getvalue()
    assert "Forbidden (Permission denied): /surveys/new/" in written
    assert "Traceback" not in written
    assert len(written.strip().splitlines()) == 1


@pytest.mark.django_db
def test_a_server_error_keeps_its_traceback(console_log, rf):
    # The filter only shortens 4xx refusals: a fault still tells where it happened.
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        logger.error("Internal Server Error: /x/", exc_info=exc, extra={"status_code": 500})
    assert "Traceback" in console_log.getvalue()


@pytest.mark.django_db
def test_an_expired_form_gets_the_chinese_403_page(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["town_staff"])
    response = client.post("/surveys/new/", {"community": world.a1.pk})
    assert response.status_code == 403
    page = response.content.decode()
    assert "CSRF verification failed" not in page and "style=" not in page
    assert "表单已过期或已重复提交" in page
    assert '<html lang="zh-hans">' in page
