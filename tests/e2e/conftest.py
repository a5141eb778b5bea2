"""Browser tests: Debian's Chromium driven by Playwright against the live server."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# made by the test itself (creating users, checking rows) are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    print(f"\nSKIPPING browser tests: {reason}")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# Content-Security-Policy violations are reported to the console, where the
# page fixture collects them with every other error.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI + " " + (e.sample || "") +
    " at " + e.sourceFile + ":" + e.lineNumber + " on " + location.pathname);
});
"""
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def console_problems(page):
    """Errors the browser reported on the pages a test visits (CSP violations,
    script errors, failed loads); a test may clear the list when it provokes one."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return problems


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.problems = console_problems(page)
    # The product must work offline: fail on any request to another host.
    foreign = []
    page.on(
        "request",
        lambda r: foreign.append(r.url)
        if not r.url.startswith(live_server.url) and not r.url.startswith("data:")
        else None,
    )
    yield page
    context.close()
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not page.problems, f"errors in the browser console: {page.problems}"


def axe_violations(page, *, impacts=("serious", "critical")):
    """Runs axe-core on the current page and returns the violations of the given
    impacts as readable lines. axe is injected from node_modules for the test
    only: the product never serves it."""
    # Served by the browser's request interception from this origin, so that the
    # page's own policy (script-src 'self') lets it run.
    page.route("**/__axe-core__.js", lambda route: route.fulfill(path=AXE, content_type="text/javascript"))
    page.add_script_tag(url="/__axe-core__.js")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def sign_in(page, username, password="demo-2024"):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
