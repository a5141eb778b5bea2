"""A street-office worker's first minutes: sign in, filter by type, open a community."""

import re

import pytest
from playwright.sync_api import expect

from communities.models import Role
from tests.factories import AllianceFactory, CommunityFactory, TownFactory, community_type, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chengxiang(django_db_setup, django_db_blocker):
    from tests.conftest import load_reference_data

    # transaction=True flushes the tables after each test: reload the types.
    load_reference_data()
    town = TownFactory(name="城厢镇", code="320585100")
    other = TownFactory(name="沙溪镇", code="320585101")
    CommunityFactory(town=town, name="东苑社区", type=community_type("commercial_housing"))
    old = CommunityFactory(
        town=town, name="南门老街社区", type=community_type("old_street"), pilot_year=2022, pilot_level="city"
    )
    CommunityFactory(town=town, name="西街社区", type=community_type("old_street"))
    CommunityFactory(town=other, name="北泾老街社区", type=community_type("old_street"))
    AllianceFactory.create_batch(2, community=old)
    staff = user_with_role(Role.TOWN_STAFF, town=town, username="town_staff")
    staff.set_password("demo-2024")
    staff.save()
    return old


def test_town_staff_signs_in_filters_by_type_and_opens_a_community(page, chengxiang, live_server):
    page.goto("/")
    # Not signed in: the login page, in Chinese.
    page.get_by_label("用户名").fill("town_staff")
    page.get_by_label("密码").fill("demo-2024")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_test_id("count-communities").inner_text() == "3"

    page.get_by_role("link", name="社区", exact=True).first.click()
    table = page.get_by_test_id("community-table")
    assert "东苑社区" in table.inner_text()
    assert "北泾老街社区" not in table.inner_text()  # another town's

    page.get_by_label("社区类型").select_option("old_street")
    # expect() polls from outside the page: the CSP forbids the eval behind wait_for_function.
    expect(page).to_have_url(re.compile(r"type=old_street"))
    expect(table).not_to_contain_text("东苑社区")
    rows = table.inner_text()
    assert "南门老街社区" in rows and "西街社区" in rows
    assert "东苑社区" not in rows
    assert "2 个社区" in page.get_by_test_id("result-count").inner_text()

    page.get_by_role("link", name="南门老街社区").click()
    assert page.get_by_test_id("community-name").inner_text().startswith("南门老街社区")
    assert page.get_by_test_id("community-goal").inner_text() == "改造提升"
    # Only two co-building units: the page flags it.
    assert page.get_by_test_id("few-units").is_visible()
    page.screenshot(path="/tmp/e2e-community.png", full_page=True)
