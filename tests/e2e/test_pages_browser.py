"""Every main page as each of the four roles, in the browser, under the
Content-Security-Policy: no console error or policy violation (the page fixture
fails on any), no serious accessibility problem (axe-core), date boxes that show
their dates, and no link that leads to a refusal."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communities.models import Role
from needs.models import Channel, Escalation, NeedSurvey
from projects.models import Project
from tests.e2e.conftest import axe_violations, sign_in
from tests.projects.factories import decision_day_of, need_in, project_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = [Role.CITY_ADMIN, Role.TOWN_STAFF, Role.COMMUNITY_WORKER, Role.VIEWER]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORM_PAGE = re.compile(r"/(new|edit|import)/")
NOT_FOLLOWED = ("/accounts/logout", "/i18n/", "/media/", "export", "download", "template", "print=1")


@pytest.fixture
def town(world):
    """The shared world, with a bit of everything in community a1 and passwords set."""
    worker = world.users["community_worker"]
    staff = world.users["town_staff"]
    for user in world.users.values():
        user.set_password("demo-2024")
        user.save()
    world.need = need_in(world.a1, by=worker, title="路灯不亮")
    world.escalation = Escalation.objects.create(
        need=world.need,
        department="镇建设管理局",
        due_on=timezone.localdate() + timedelta(days=7),
        escalated_by=staff,
    )
    world.survey = NeedSurvey.objects.create(
        community=world.a1, date=timezone.localdate(), channel=Channel.RESIDENTS_CALL, conducted_by=worker
    )
    world.project = project_in(Project.State.IN_PROGRESS, community=world.a1, by=worker)
    decision_day_of(world.a1, by=staff)
    return world


def main_pages(w):
    return [
        "/",
        "/communities/",
        f"/communities/{w.a1.pk}/",
        "/needs/",
        f"/needs/{w.need.pk}/",
        "/surveys/",
        f"/surveys/{w.survey.pk}/",
        "/needs-lists/",
        "/projects/",
        f"/projects/{w.project.pk}/",
        "/decision-days/",
        "/resources/",
        "/categories/",
        "/types/",
    ]


def date_boxes(page):
    """(name, value attribute written by the server, value the browser kept)."""
    return page.eval_on_selector_all(
        "input[type=date]", "els => els.map(e => [e.name, e.getAttribute('value'), e.value])"
    )


def links_in_main(page):
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(a => a.getAttribute('href'))")
    return {h for h in hrefs if h.startswith("/") and not any(s in h for s in NOT_FOLLOWED)}


@pytest.mark.parametrize("role", ROLES)
def test_main_pages_as_each_role_are_clean_and_lead_to_no_refusal(page, town, role):
    user = town.users[role]
    sign_in(page, user.username)
    followed = set()
    for url in main_pages(town):
        response = page.goto(url)
        assert response.status == 200, url
        assert not axe_violations(page), url
        for name, written, kept in date_boxes(page):
            # A date the browser cannot read is silently dropped: the box shows blank.
            if written:
                assert ISO_DATE.match(written) and kept == written, (url, name, written, kept)
        # Every link offered leads somewhere this user may go (no 403 behind a button).
        for href in sorted(links_in_main(page) - followed):
            followed.add(href)
            status = page.request.get(href, max_redirects=0).status
            assert status != 403, f"{url} links to {href}, which refuses {role}"
    # The forms this role is offered: labelled, readable, their dates shown.
    for href in sorted(h for h in followed if FORM_PAGE.search(h)):
        page.goto(href)
        assert not axe_violations(page), href
        for name, written, kept in date_boxes(page):
            if written:
                assert ISO_DATE.match(written) and kept == written, (href, name, written, kept)


def test_sign_in_page_is_accessible(page, town):
    page.goto("/accounts/login/")
    assert not axe_violations(page)
    page.get_by_role("link", name="跳到正文").focus()
    expect(page.get_by_role("link", name="跳到正文")).to_be_visible()


def test_date_boxes_show_today_or_the_recorded_date(page, town):
    today = timezone.localdate().isoformat()
    sign_in(page, town.users[Role.TOWN_STAFF].username)

    page.goto("/surveys/new/")
    expect(page.locator("input[name=date]")).to_have_value(today)
    page.goto(f"/needs/{town.need.pk}/")
    expect(page.locator("input[name=responded_on]")).to_have_value(today)
    page.goto(f"/needs/{town.need.pk}/edit/")
    expect(page.locator("input[name=raised_on]")).to_have_value(town.need.raised_on.isoformat())
    assert not axe_violations(page)
    page.screenshot(path="/tmp/e2e-need-edit.png", full_page=True)
    page.goto(f"/communities/{town.a1.pk}/")
    expect(page.locator("input[name=since]")).to_have_value(today)
    page.goto(f"/projects/{town.project.pk}/")
    expect(page.locator("input[name=date]")).to_have_value(today)


def test_need_edit_names_the_category_not_its_code(page, town):
    sign_in(page, town.users[Role.COMMUNITY_WORKER].username)
    page.goto(f"/needs/{town.need.pk}/edit/")
    expect(page.locator("input[name=category]")).to_have_value(town.need.category.name)


def test_community_picker_offers_names_of_the_users_own_town_only(page, town):
    sign_in(page, town.users[Role.TOWN_STAFF].username)
    page.goto("/needs/")
    picker = page.get_by_label("社区", exact=True)
    picker.click()
    picker.press_sequentially("社区")
    options = page.locator("#community-options option")
    expect(options).to_have_count(2)  # 东苑社区 and 南湾社区; 北泾村 is another town's
    assert sorted(options.evaluate_all("os => os.map(o => o.value)")) == ["东苑社区", "南湾社区"]

    picker.fill("东苑社区")
    picker.press("Enter")
    expect(page).to_have_url(re.compile(r"community=%E4%B8%9C%E8%8B%91"))
    expect(page.get_by_test_id("need-table")).to_contain_text("路灯不亮")


def test_home_chart_api_docs_and_admin_work_under_the_policy(page, town):
    sign_in(page, town.users[Role.CITY_ADMIN].username)
    page.goto("/")
    expect(page.locator("#type-chart canvas")).to_have_count(1)
    page.locator("#type-chart canvas").hover()

    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    page.locator(".opblock-summary").first.click()

    page.goto("/admin/")
    expect(page.locator("#content-main")).to_be_visible()
    page.locator("#content-main a[href$='/community/']").first.click()
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("#content-main form")).to_be_visible()


def test_unknown_address_with_debug_on_shows_the_chinese_404(page, town, settings):
    # `make run` serves the demo with DEBUG on; people still get the product's page.
    settings.DEBUG = True
    sign_in(page, town.users[Role.VIEWER].username)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    # The browser reports the page's own 404 status; nothing else may fail.
    assert page.problems == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    page.problems.clear()
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Page not found")
    expect(page.locator("link[rel=icon]")).to_have_count(1)
    assert not axe_violations(page)
    page.screenshot(path="/tmp/e2e-404-debug.png", full_page=True)
