"""A community worker turns two open needs into a project with a suggested
resource and submits it; the town's staff put it on a decision day."""

from datetime import date, timedelta

import pytest

from communities.models import Role
from tests.factories import CommunityFactory, TownFactory, community_type, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chengxiang(django_db_setup):
    from needs import services as need_services
    from needs.models import ProblemCategory
    from projects.models import DecisionDay, Resource, ResourceCategory
    from tests.conftest import load_reference_data

    load_reference_data()
    town = TownFactory(name="城厢镇", code="320585100")
    community = CommunityFactory(
        town=town, name="东苑社区", code="320585100001", type=community_type("commercial_housing")
    )
    worker = user_with_role(Role.COMMUNITY_WORKER, community=community, username="community_worker")
    staff = user_with_role(Role.TOWN_STAFF, town=town, username="town_staff")
    for user in (worker, staff):
        user.set_password("demo-2024")
        user.save()
    lighting = ProblemCategory.objects.get(code="street_lighting")
    for title in ("路灯不亮", "背街小巷加装路灯"):
        need_services.need_create(
            by=worker, community=community, title=title, category=lighting, raised_on=date(2025, 3, 1)
        )
    Resource.objects.create(
        name="城市更新专项资金", category=ResourceCategory.objects.get(code="funds"), level="city",
        capacity="500000 元", capacity_amount=500000, capacity_unit="元",
    )  # fmt: skip
    Resource.objects.create(
        name="城厢镇志愿者队伍",
        category=ResourceCategory.objects.get(code="volunteer_teams"),
        level="town",
        town=town,
    )
    DecisionDay.objects.create(
        community=community, date=date.today() + timedelta(days=10), place="东苑社区党群服务中心",
        kind="residents_representatives", created_by=staff,
    )  # fmt: skip
    return community


def sign_in(page, live_server, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("demo-2024")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_worker_proposes_and_submits_staff_schedules(page, browser, chengxiang, live_server):
    from projects.models import Project

    sign_in(page, live_server, "community_worker")
    page.goto("/projects/new/")
    page.locator("#id_title").fill("东苑社区路灯亮化")
    page.locator("#id_summary").fill("修复并加装路灯，方便居民夜间出行。")
    page.locator("#id_budget_total").fill("80000")
    page.locator("#id_budget_city").fill("50000")
    for title in ("路灯不亮", "背街小巷加装路灯"):
        page.get_by_label(title, exact=False).check()
    matches = page.get_by_test_id("matches")
    matches.wait_for()
    # The best suggestion for lighting needs is the fund (category fit), with its reasons shown.
    first = matches.locator("li").first
    assert "城市更新专项资金" in first.inner_text()
    first.get_by_test_id("use-resource").click()
    page.screenshot(path="/tmp/e2e-project-form.png", full_page=True)
    page.get_by_test_id("save-project").click()
    page.get_by_test_id("project-title").wait_for()
    assert "城市更新专项资金" in page.get_by_test_id("project-resources").inner_text()
    assert "路灯不亮" in page.get_by_test_id("project-needs").inner_text()
    page.get_by_test_id("action-submit").click()
    page.get_by_test_id("project-state").filter(has_text="已提交").wait_for()

    staff_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    staff_page = staff_context.new_page()
    sign_in(staff_page, live_server, "town_staff")
    project = Project.objects.get()
    staff_page.goto(f"/projects/{project.pk}/")
    staff_page.get_by_test_id("action-schedule").click()
    staff_page.get_by_test_id("project-state").filter(has_text="议程").wait_for()
    staff_page.screenshot(path="/tmp/e2e-project-scheduled.png", full_page=True)
    staff_context.close()
    project.refresh_from_db()
    assert project.state == Project.State.SCHEDULED and project.decision_day is not None
    assert list(project.events.values_list("action", flat=True)) == ["create", "submit", "schedule"]
