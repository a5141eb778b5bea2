"""A street-office worker imports a GBK spreadsheet with one bad row, fixes it, imports it."""

import pytest

from communities.models import Role
from tests.factories import CommunityFactory, TownFactory, community_type, user_with_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GOOD_ROWS = [
    [
        "320585100001",
        "2024-03-05",
        "上门走访",
        "充电桩不足",
        "3幢附近",
        "新能源车充电桩增设",
        "否",
        "3幢",
        "张三",
        "13812345678",
    ],
    ["东苑社区", "2024/3/6", "热线", "路灯不亮", "", "路灯照明", "是", "滨河路", "", ""],
]
BAD_ROW = ["东苑社区", "2024年3月7日", "问卷", "楼上噪音", "", "邻里纠纷调解", "否", "", "李四", "1381234"]
HEADERS = ["社区", "日期", "渠道", "标题", "描述", "类别", "是否紧急", "地点", "居民姓名", "手机号"]


def gbk_csv(path, rows):
    lines = [",".join(HEADERS)] + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return str(path)


@pytest.fixture
def chengxiang(django_db_setup):
    from tests.conftest import load_reference_data

    load_reference_data()
    town = TownFactory(name="城厢镇", code="320585100")
    CommunityFactory(
        town=town, name="东苑社区", code="320585100001", type=community_type("commercial_housing")
    )
    staff = user_with_role(Role.TOWN_STAFF, town=town, username="town_staff")
    staff.set_password("demo-2024")
    staff.save()
    return town


def test_town_staff_fixes_a_bad_row_and_imports_a_gbk_file(page, chengxiang, live_server, tmp_path):
    from needs.models import Need

    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("town_staff")
    page.get_by_label("密码").fill("demo-2024")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/needs/import/")
    page.set_input_files("input[type=file]", gbk_csv(tmp_path / "需求.csv", [*GOOD_ROWS, BAD_ROW]))
    page.locator("form[enctype] button").click()
    errors = page.get_by_test_id("import-errors")
    errors.wait_for()
    # The bad row is row 4 of the sheet (header is row 1), in the mobile column.
    cells = errors.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "4" and cells[1] == "手机号"
    assert page.get_by_test_id("import-confirm").count() == 0
    assert Need.objects.count() == 0
    page.screenshot(path="/tmp/e2e-import-errors.png", full_page=True)

    fixed = [*BAD_ROW[:-1], "13812345679"]
    page.set_input_files("input[type=file]", gbk_csv(tmp_path / "需求-改.csv", [*GOOD_ROWS, fixed]))
    page.locator("form[enctype] button").click()
    page.get_by_test_id("import-ready").wait_for()
    page.get_by_test_id("import-confirm").click()
    page.get_by_test_id("import-done").wait_for()
    page.get_by_test_id("import-see-needs").click()
    page.wait_for_url(f"{live_server.url}/needs/")
    table = page.get_by_test_id("need-table").inner_text()
    for title in ("充电桩不足", "路灯不亮", "楼上噪音"):
        assert title in table
    assert Need.objects.filter(imported_in__isnull=False).count() == 3
    page.screenshot(path="/tmp/e2e-import-done.png", full_page=True)
