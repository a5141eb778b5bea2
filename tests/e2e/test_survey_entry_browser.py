"""A street-office worker records a survey and types its needs in a row with the
keyboard only: each row saved with Enter, the cursor back on the title, a
mistake shown beside its field with the typing kept."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communities.models import Role
from tests.e2e.conftest import axe_violations, sign_in
from tests.factories import CommunityFactory, TownFactory, community_type, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROWS = [("楼道灯不亮", "路灯照明"), ("充电桩太少", "新能源车充电桩增设"), ("邻居装修噪音", "邻里纠纷调解")]


@pytest.fixture
def worker(django_db_setup):
    from tests.conftest import load_reference_data

    load_reference_data()
    town = TownFactory(name="城厢镇", code="320585100")
    community = CommunityFactory(
        town=town, name="东苑社区", code="320585100001", type=community_type("commercial_housing")
    )
    user = user_with_role(Role.COMMUNITY_WORKER, community=community, username="worker")
    user.set_password("demo-2024")
    user.save()
    return user


def focused_name(page):
    return page.evaluate("document.activeElement && document.activeElement.name")


def test_worker_types_three_needs_with_enter_then_fixes_a_mistake(page, worker, live_server):
    from needs.models import Need

    sign_in(page, "worker")
    page.goto("/surveys/new/")
    # "Today" is offered as an ISO date, the only form a date box accepts.
    assert page.locator("input[name=date]").input_value() == timezone.localdate().isoformat()
    page.get_by_label("社区").select_option(label="城厢镇 · 东苑社区")
    page.locator("select[name=channel]").select_option(index=1)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/surveys/*/")

    rows = page.get_by_test_id("need-row")
    assert focused_name(page) == "title"
    for n, (title, category) in enumerate(ROWS, start=1):
        page.keyboard.type(title)
        page.keyboard.press("Tab")
        page.keyboard.type(category)
        page.keyboard.press("Enter")
        expect(rows).to_have_count(n)
        # The fresh form has the cursor back on the title, empty.
        expect(page.locator("#entry-form input[name=title]")).to_be_focused()
        expect(page.locator("#entry-form input[name=title]")).to_have_value("")
    table = page.get_by_test_id("survey-needs").inner_text()
    for title, category in ROWS:
        assert title in table and category in table
    assert sorted(Need.objects.values_list("title", flat=True)) == sorted(t for t, _ in ROWS)
    page.screenshot(path="/tmp/e2e-survey-3-rows.png", full_page=True)

    # A category that does not exist: refused beside the field, nothing lost.
    page.keyboard.type("单元门禁坏了")
    page.keyboard.press("Tab")
    page.keyboard.type("门禁维修不存在")
    page.keyboard.press("Enter")
    error = page.locator("#id_category_error")
    error.wait_for()
    assert "门禁维修不存在" in error.inner_text()
    category = page.locator("#entry-form input[name=category]")
    assert category.get_attribute("aria-invalid") == "true"
    assert category.get_attribute("aria-describedby") == "id_category_error"
    assert "is-invalid" in category.get_attribute("class")
    assert category.input_value() == "门禁维修不存在"
    assert page.locator("#entry-form input[name=title]").input_value() == "单元门禁坏了"
    expect(category).to_be_focused()
    assert rows.count() == 3 and Need.objects.count() == 3
    assert not axe_violations(page)
    page.screenshot(path="/tmp/e2e-survey-error.png", full_page=True)

    # Corrected in place and saved with Enter.
    page.keyboard.press("Control+A")
    page.keyboard.type("路灯照明")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(4)
    assert page.locator("#id_category_error").count() == 0
    assert "单元门禁坏了" in page.get_by_test_id("survey-needs").inner_text()
    assert Need.objects.filter(title="单元门禁坏了", category__name="路灯照明").exists()
