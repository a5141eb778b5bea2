"""Reading and checking a needs spreadsheet: every bad row named, unsafe files refused, nothing written."""

import csv
import io
import time
import zipfile
from datetime import date, datetime

import openpyxl
import openpyxl.xml
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from needs.importing import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    CheckedRow,
    CheckResult,
    ImportFileError,
    RowError,
    check_file,
    template_rows,
)
from needs.models import Channel, Need, ProblemCategory
from tests.factories import CommunityFactory, Role, user_with_role
from tests.querycount import capture, tables

TODAY = date(2024, 6, 1)
CN = [chinese for _key, chinese, _english in COLUMNS]
EN = [english for _key, _chinese, english in COLUMNS]
KEYS = [key for key, _chinese, _english in COLUMNS]

GOOD = {
    "community": "320585100001",
    "date": "2024-03-05",
    "channel": "上门走访",
    "title": "小区充电桩不足",
    "description": "3幢附近车位多，希望增设充电桩",
    "category": "ev_charging",
    "urgent": "否",
    "location": "3幢北侧",
    "resident_name": "张三",
    "mobile": "13812345678",
}


def row(**changes) -> list:
    """One data row in template order: the good row with some cells changed."""
    values = {**GOOD, **changes}
    return [values[key] for key in KEYS]


def csv_bytes(rows, header=CN, encoding="utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=CN) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check(data: bytes, user, name="needs.csv", **kwargs) -> CheckResult:
    return check_file(file=io.BytesIO(data), file_name=name, user=user, today=TODAY, **kwargs)


def errors_of(data: bytes, user, name="needs.csv") -> list[RowError]:
    return check(data, user, name).errors


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def categories(db):
    """Made here, as the reference fixture may or may not be loaded (update_or_create works either way)."""

    def category(code, name, name_en, *, active=True):
        return ProblemCategory.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "domain": "service", "is_active": active}
        )[0]

    return {
        "ev": category("ev_charging", "新能源车充电桩增设", "More EV charging points"),
        "light": category("street_lighting", "路灯照明", "Street lighting"),
        "retired": category("test_retired_category", "测试停用类别", "Retired test category", active=False),
    }


@pytest.fixture
def admin(world, categories):
    return world.users["city_admin"]


# --- Good files ------------------------------------------------------------------------------------


def expected_row(world, categories, number=2, **changes) -> CheckedRow:
    values = {
        "row": number,
        "community": world.a1,
        "raised_on": date(2024, 3, 5),
        "channel": Channel.VISIT,
        "title": "小区充电桩不足",
        "description": "3幢附近车位多，希望增设充电桩",
        "category": categories["ev"],
        "urgent": False,
        "location": "3幢北侧",
        "resident_name": "张三",
        "mobile": "13812345678",
        **changes,
    }
    return CheckedRow(**values)


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding_parses_to_checked_rows(world, categories, admin, encoding):
    data = csv_bytes(
        [row(), row(community="南湾社区", title="路灯不亮", category="路灯照明", urgent="是", mobile="")],
        encoding=encoding,
    )
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    result = check(data, admin)
    assert result.errors == []
    assert result.ok
    assert result.rows == [
        expected_row(world, categories),
        expected_row(
            world,
            categories,
            3,
            community=world.a2,
            title="路灯不亮",
            category=categories["light"],
            urgent=True,
            mobile="",
        ),
    ]


@pytest.mark.django_db
def test_xlsx_with_real_date_cells_and_number_cells(world, categories, admin):
    data = xlsx_bytes(
        [
            row(date=datetime(2024, 3, 5)),
            row(date=date(2024, 3, 6), title="二", mobile=13812345678.0, community=320585100001),
            row(date=45358, title="三", urgent=True),  # an Excel serial number in a number cell
            row(date=45359.0, title="四", urgent=1, mobile=13812345678),
        ]
    )
    result = check(data, admin, "needs.xlsx")
    assert result.errors == []
    assert [(r.row, r.raised_on, r.title, r.urgent, r.mobile, r.community) for r in result.rows] == [
        (2, date(2024, 3, 5), "小区充电桩不足", False, "13812345678", world.a1),
        (3, date(2024, 3, 6), "二", False, "13812345678", world.a1),
        (4, date(2024, 3, 7), "三", True, "13812345678", world.a1),
        (5, date(2024, 3, 8), "四", True, "13812345678", world.a1),
    ]
    assert result.rows[0] == expected_row(world, categories)


@pytest.mark.django_db
def test_a_django_uploaded_file_is_read(world, categories, admin):
    upload = SimpleUploadedFile("needs.csv", csv_bytes([row()]), content_type="text/csv")
    result = check_file(file=upload, file_name=upload.name, user=admin, today=TODAY)
    assert result.rows == [expected_row(world, categories)]


@pytest.mark.django_db
def test_english_headers(world, categories, admin):
    header = ["Community", "DATE", "channel", "title", "description", "category", "urgent", "location"]
    header += ["Resident Name", "mobile"]
    result = check(csv_bytes([row(channel="visit", urgent="no")], header=header), admin)
    assert result.errors == []
    assert result.rows == [expected_row(world, categories)]


@pytest.mark.django_db
def test_header_variants_and_any_column_order(world, categories, admin):
    header = [
        " 标题 ＊",
        "社区（代码或名称）*",
        "日期(yyyy-mm-dd)*",
        "类别（代码或名称）＊",
        "是否紧急（是/否）",
        "渠道",
        "手机号",
        "备注",  # unknown columns are ignored
    ]
    values = [
        "小区充电桩不足",
        "东苑社区",
        "2024/3/5",
        "新能源车充电桩增设",
        "Y",
        "热线",
        "138-1234-5678",
        "x",
    ]
    result = check(csv_bytes([values], header=header), admin)
    assert result.errors == []
    assert result.rows == [
        expected_row(
            world,
            categories,
            channel=Channel.HOTLINE,
            urgent=True,
            description="",
            location="",
            resident_name="",
        )
    ]


@pytest.mark.django_db
def test_optional_columns_may_be_left_out(world, categories, admin):
    data = csv_bytes(
        [["东苑社区", "2024-03-05", "小区充电桩不足", "ev_charging"]], header=["社区", "日期", "标题", "类别"]
    )
    result = check(data, admin)
    assert result.errors == []
    [checked] = result.rows
    assert (checked.channel, checked.urgent, checked.mobile, checked.description) == (
        Channel.OTHER,
        False,
        "",
        "",
    )


@pytest.mark.django_db
def test_blank_rows_are_skipped_and_rows_keep_their_sheet_numbers(world, categories, admin):
    data = csv_bytes(
        [row(), ["", "  ", "", "", "", "", "", "", "", ""], [], row(title="", date="2024-03-06")]
    )
    result = check(data, admin)
    assert [r.row for r in result.rows] == [2]
    assert result.errors == [RowError(5, "title", "The title is missing.")]
    assert not result.ok


@pytest.mark.django_db
def test_blank_xlsx_rows_are_skipped_and_numbers_follow_the_sheet(world, categories, admin):
    data = xlsx_bytes([row(), [None] * 10, row(title=None, date="2024-03-06")])
    assert check(data, admin, "needs.xlsx").errors == [RowError(4, "title", "The title is missing.")]


@pytest.mark.django_db
def test_rows_filled_only_outside_the_known_columns_are_blank(admin):
    # A template with a pre-numbered 序号 column: the numbered but empty rows are not errors.
    data = csv_bytes([["1", *row()], ["2"] + [""] * 10, ["3"] + [""] * 10], header=["序号", *CN])
    result = check(data, admin)
    assert [r.row for r in result.rows] == [2]
    assert result.errors == []


@pytest.mark.django_db
def test_a_title_row_above_the_header_is_passed_over(admin):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["东苑社区居民需求登记表"])
    sheet.append(CN)
    sheet.append(row())
    sheet.append(row(title=""))
    out = io.BytesIO()
    workbook.save(out)
    result = check(out.getvalue(), admin, "needs.xlsx")
    assert [r.row for r in result.rows] == [3]
    assert result.errors == [RowError(4, "title", "The title is missing.")]


@pytest.mark.django_db
def test_only_the_first_worksheet_is_read(admin):
    workbook = openpyxl.Workbook()
    workbook.active.append(CN)
    workbook.active.append(row())
    other = workbook.create_sheet("说明")
    other.append(CN)
    other.append(row(community="nowhere", title=""))
    out = io.BytesIO()
    workbook.save(out)
    result = check(out.getvalue(), admin, "needs.xlsx")
    assert [r.row for r in result.rows] == [2]
    assert result.errors == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "45356",
        "45356.0",
        "20240305",
        "2024-03-05 00:00:00",
    ],
)
def test_date_forms(admin, text):
    [checked] = check(csv_bytes([row(date=text)]), admin).rows
    assert checked.raised_on == date(2024, 3, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, channel",
    [
        ("visit", Channel.VISIT),
        ("HOTLINE", Channel.HOTLINE),
        ("Door-to-door visit", Channel.VISIT),
        ("Residents call, we act (民有所呼、我有所为)", Channel.RESIDENTS_CALL),
        ("民有所呼、我有所为", Channel.RESIDENTS_CALL),
        ("民有所呼我有所为", Channel.RESIDENTS_CALL),
        ("社情民意联系日", Channel.CONTACT_DAY),
        ("巡访问事", Channel.VISIT),
        ("网格上报", Channel.GRID),
        ("网格", Channel.GRID),
        ("12345", Channel.HOTLINE),
        ("协商", Channel.DELIBERATION),
        ("问卷", Channel.QUESTIONNAIRE),
        ("其他", Channel.OTHER),
        ("", Channel.OTHER),
    ],
)
def test_channel_forms(admin, text, channel):
    [checked] = check(csv_bytes([row(channel=text)]), admin).rows
    assert checked.channel == channel


@pytest.mark.django_db
def test_channel_label_rendered_in_chinese_is_accepted(admin):
    with translation.override("zh-hans"):
        label = str(Channel.DELIBERATION.label)
    [checked] = check(csv_bytes([row(channel=label)]), admin).rows
    assert checked.channel == Channel.DELIBERATION


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, urgent",
    [("是", True), ("yes", True), ("Y", True), ("1", True), ("TRUE", True)]
    + [("否", False), ("No", False), ("n", False), ("0", False), ("false", False), ("", False)],
)
def test_urgent_forms(admin, text, urgent):
    [checked] = check(csv_bytes([row(urgent=text)]), admin).rows
    assert checked.urgent is urgent


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["13812345678", "138 1234 5678", "138-1234-5678", "13812345678.0"])
def test_mobile_forms(admin, text):
    [checked] = check(csv_bytes([row(mobile=text)]), admin).rows
    assert checked.mobile == "13812345678"


@pytest.mark.django_db
def test_category_by_code_in_any_case_or_by_name(categories, admin):
    data = csv_bytes([row(category="EV_Charging"), row(category="路灯照明", title="二")])
    assert [r.category for r in check(data, admin).rows] == [categories["ev"], categories["light"]]


@pytest.mark.django_db
def test_the_template_examples_check_clean(world, categories, admin):
    headers, examples = template_rows(admin)
    assert headers == [
        "社区",
        "日期",
        "渠道",
        "标题",
        "描述",
        "类别",
        "是否紧急",
        "地点",
        "居民姓名",
        "手机号",
    ]
    assert len(examples) == 2 and all(len(example) == len(headers) for example in examples)
    result = check(xlsx_bytes(examples, header=headers), admin, "template.xlsx")
    assert result.errors == []
    assert [(r.community, r.category) for r in result.rows] == [
        (world.a1, categories["ev"]),
        (world.a2, categories["light"]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [("town_staff_b", {"b1", "b2"}), ("community_worker", {"a1"})],
)
def test_the_template_examples_name_communities_of_the_users_own_scope(world, categories, role, expected):
    # given a user who may import only into some communities
    users = {
        "town_staff_b": user_with_role(Role.TOWN_STAFF, town=world.town_b, username="staff_b"),
        "community_worker": world.users["community_worker"],
    }
    user = users[role]

    # when they download the template
    headers, examples = template_rows(user)

    # then its examples name their own communities and import as they are
    result = check(xlsx_bytes(examples, header=headers), user, "template.xlsx")
    assert result.errors == []
    assert {
        key for key in ("a1", "a2", "b1", "b2") if getattr(world, key) in [r.community for r in result.rows]
    } == expected


# --- Bad rows: one case each, with row, column and message -----------------------------------------


def one_error(data, user, name="needs.csv") -> RowError:
    result = check(data, user, name)
    assert result.rows == []
    assert not result.ok
    [error] = result.errors
    return error


@pytest.mark.django_db
def test_unknown_community(admin):
    error = one_error(csv_bytes([row(community="320585999999")]), admin)
    assert error == RowError(
        2, "community", "Unknown community “320585999999”: write its 12-digit code or its exact name."
    )


@pytest.mark.django_db
def test_missing_community(admin):
    assert one_error(csv_bytes([row(community="")]), admin) == RowError(
        2, "community", "The community is missing: write its 12-digit code or its name."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("community", ["320585101201", "北泾村"])
def test_town_staff_community_in_another_town_answers_as_an_unknown_one(world, categories, community):
    # Existence is not revealed: another town's community reads as one that does not exist.
    error = one_error(csv_bytes([row(community=community)]), world.users["town_staff"])
    assert error == RowError(
        2, "community", f"Unknown community “{community}”: write its 12-digit code or its exact name."
    )


@pytest.mark.django_db
def test_town_staff_may_import_for_their_towns_communities(world, categories):
    data = csv_bytes([row(), row(community="南湾社区", title="二")])
    result = check(data, world.users["town_staff"])
    assert result.errors == []
    assert [r.community for r in result.rows] == [world.a1, world.a2]


@pytest.mark.django_db
def test_community_worker_only_their_own_community(world, categories):
    data = csv_bytes(
        [row(), row(community="南湾社区", title="二"), row(community="320585101202", title="三")]
    )
    result = check(data, world.users["community_worker"])
    assert [r.community for r in result.rows] == [world.a1]
    unknown = "Unknown community “%s”: write its 12-digit code or its exact name."
    assert result.errors == [
        RowError(3, "community", unknown % "南湾社区"),
        RowError(4, "community", unknown % "320585101202"),
    ]


@pytest.mark.django_db
def test_ambiguous_community_name_asks_for_the_code(world, categories, admin):
    CommunityFactory(town=world.town_b, name="东苑社区", code="320585101299")
    error = one_error(csv_bytes([row(community="东苑社区")]), admin)
    assert error == RowError(
        2, "community", "More than one community is called “东苑社区”: write its 12-digit code instead."
    )
    # By code it is clear; and town staff of town A see only their own 东苑社区.
    assert check(csv_bytes([row()]), admin).rows[0].community == world.a1
    staff_rows = check(csv_bytes([row(community="东苑社区")]), world.users["town_staff"]).rows
    assert [r.community for r in staff_rows] == [world.a1]


@pytest.mark.django_db
def test_archived_community(world, admin):
    world.a2.is_archived = True
    world.a2.save()
    assert one_error(csv_bytes([row(community="南湾社区")]), admin) == RowError(
        2, "community", "The community “南湾社区” is archived: needs cannot be added to it."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["2024-13-05", "2024-02-30", "next week", "3/5/2024", "0"])
def test_bad_date(admin, text):
    assert one_error(csv_bytes([row(date=text)]), admin) == RowError(
        2, "date", f"“{text}” is not a date: write it as 2024-03-05."
    )


@pytest.mark.django_db
def test_missing_date(admin):
    assert one_error(csv_bytes([row(date="")]), admin) == RowError(2, "date", "The date is missing.")


@pytest.mark.django_db
def test_date_in_the_future(admin):
    assert check(csv_bytes([row(date="2024-06-01")]), admin).ok  # today is fine
    assert one_error(csv_bytes([row(date="2024-06-02")]), admin) == RowError(
        2, "date", "The date 2024-06-02 is in the future."
    )


@pytest.mark.django_db
def test_date_before_the_programme_is_taken_for_a_mistake(admin, settings):
    settings.GOVERNANCE_FIRST_YEAR = 2015
    assert one_error(csv_bytes([row(date="5")]), admin) == RowError(
        2, "date", "The date 1900-01-05 is too long ago: needs from before 2015 are not accepted."
    )
    assert one_error(csv_bytes([row(date="2014-12-31")]), admin) == RowError(
        2, "date", "The date 2014-12-31 is too long ago: needs from before 2015 are not accepted."
    )


@pytest.mark.django_db
def test_unknown_channel(admin):
    error = one_error(csv_bytes([row(channel="微信群")]), admin)
    assert (error.row, error.column) == (2, "channel")
    assert error.message.startswith("Unknown channel “微信群”: use one of Residents call, we act")
    assert "Door-to-door visit; Grid worker report" in error.message


@pytest.mark.django_db
def test_missing_title(admin):
    assert one_error(csv_bytes([row(title="  ")]), admin) == RowError(2, "title", "The title is missing.")


@pytest.mark.django_db
def test_title_too_long(admin):
    assert check(csv_bytes([row(title="长" * 100)]), admin).ok
    assert one_error(csv_bytes([row(title="长" * 101)]), admin) == RowError(
        2, "title", "Too long: 101 characters, at most 100."
    )


@pytest.mark.django_db
def test_unknown_category(admin):
    assert one_error(csv_bytes([row(category="充电")]), admin) == RowError(
        2, "category", "Unknown category “充电”: use a category code or name from the list."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["test_retired_category", "测试停用类别"])
def test_inactive_category(admin, text):
    assert one_error(csv_bytes([row(category=text)]), admin) == RowError(
        2, "category", f"The category “{text}” is no longer in use: choose a current one."
    )


@pytest.mark.django_db
def test_missing_category(admin):
    assert one_error(csv_bytes([row(category="")]), admin) == RowError(
        2, "category", "The category is missing."
    )


@pytest.mark.django_db
def test_bad_urgent_value(admin):
    assert one_error(csv_bytes([row(urgent="急")]), admin) == RowError(
        2, "urgent", "“急” is not a yes/no value: write 是 or 否."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["1381234567", "12812345678", "138123456789", "1.38123E+10", "abc"])
def test_bad_mobile(admin, text):
    assert one_error(csv_bytes([row(mobile=text)]), admin) == RowError(
        2, "mobile", f"“{text}” is not a mobile number: enter 11 digits, e.g. 13812345678."
    )


@pytest.mark.django_db
def test_resident_name_too_long(admin):
    assert check(csv_bytes([row(resident_name="名" * 50)]), admin).ok
    assert one_error(csv_bytes([row(resident_name="名" * 51)]), admin) == RowError(
        2, "resident_name", "Too long: 51 characters, at most 50."
    )


@pytest.mark.django_db
def test_location_too_long(admin):
    assert check(csv_bytes([row(location="地" * 200)]), admin).ok
    assert one_error(csv_bytes([row(location="地" * 201)]), admin) == RowError(
        2, "location", "Too long: 201 characters, at most 200."
    )


@pytest.mark.django_db
def test_duplicate_of_a_recorded_need(world, categories, admin):
    Need.objects.create(
        community=world.a1,
        raised_on=date(2024, 3, 5),
        title="小区充电桩不足",
        category=categories["ev"],
        logged_by=admin,
    )
    data = csv_bytes([row(), row(date="2024-03-06"), row(community="南湾社区")])
    result = check(data, admin)
    assert [r.row for r in result.rows] == [3, 4]  # another date, another community: not duplicates
    assert result.errors == [
        RowError(2, "", "This need is already recorded: same community, date and title."),
    ]


@pytest.mark.django_db
def test_duplicate_row_in_the_file_names_the_earlier_row(admin):
    data = csv_bytes([row(), row(title="别的"), row(description="另一段描述", channel="热线")])
    result = check(data, admin)
    assert [r.row for r in result.rows] == [2, 3]
    assert result.errors == [RowError(4, "", "Same community, date and title as row 2.")]


@pytest.mark.django_db
def test_a_copy_of_a_bad_row_is_still_a_duplicate(admin):
    data = csv_bytes([row(mobile="123"), row()])
    assert check(data, admin).errors == [
        RowError(2, "mobile", "“123” is not a mobile number: enter 11 digits, e.g. 13812345678."),
        RowError(3, "", "Same community, date and title as row 2."),
    ]


@pytest.mark.django_db
def test_every_problem_of_every_row_is_reported_in_order(admin):
    data = csv_bytes(
        [
            row(mobile="1", community="nowhere", urgent="maybe"),
            row(title="ok"),
            row(date="tomorrow", category="", resident_name="名" * 60),
        ]
    )
    result = check(data, admin)
    assert [r.row for r in result.rows] == [3]
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "community"),
        (2, "urgent"),
        (2, "mobile"),
        (4, "date"),
        (4, "category"),
        (4, "resident_name"),
    ]


@pytest.mark.django_db
def test_column_labels_are_chinese_in_chinese(admin):
    with translation.override("zh-hans"):
        [error] = check(csv_bytes([row(title="")]), admin).errors
    assert (error.row, error.column) == (2, "标题")


# --- Whole-file problems ---------------------------------------------------------------------------


def refused(data: bytes, user, name: str) -> str:
    with pytest.raises(ImportFileError) as info:
        check(data, user, name)
    return str(info.value)


@pytest.mark.django_db
def test_missing_required_columns_are_named(admin):
    data = csv_bytes([["东苑社区", "x", "y"]], header=["社区", "渠道", "描述"])
    assert refused(data, admin, "needs.csv") == (
        "Columns missing from the header row: date, title, category. "
        "The first row must hold the column names of the template."
    )
    with translation.override("zh-hans"):
        assert "日期、标题、类别" in refused(data, admin, "needs.csv")


@pytest.mark.django_db
def test_a_column_given_twice_is_refused(admin):
    data = csv_bytes([row() + ["x"]], header=[*CN, "社区名称"])
    assert (
        refused(data, admin, "needs.csv")
        == "The column “community” appears more than once in the header row."
    )


@pytest.mark.django_db
def test_header_only_file_has_no_rows(admin):
    result = check(csv_bytes([]), admin)
    assert result.rows == [] and result.errors == []
    assert not result.ok


@pytest.mark.django_db
def test_empty_file(admin):
    assert refused(b"", admin, "needs.csv") == "The file is empty."


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["needs.txt", "needs", "needs.png"])
def test_other_kinds_of_file_are_refused(admin, name):
    assert (
        refused(csv_bytes([row()]), admin, name) == "Upload an Excel workbook (.xlsx) or a CSV file (.csv)."
    )


@pytest.mark.django_db
def test_old_xls_is_refused(admin):
    message = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, admin, "needs.xls")
    assert message == "Old-format workbooks (.xls) cannot be read: save the sheet as .xlsx or .csv."


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x04\x00\x09\xfb\x03\xfd\xe3U\xf2\x9c\x00\x00\x00\x00IEND\xaeB`\x82"
)
NOT_A_WORKBOOK = (
    "This file is not a valid Excel workbook (.xlsx): open it in Excel or WPS and save it again as .xlsx."
)
NOT_A_CSV = (
    "This file is not a CSV text file: save the sheet as “CSV UTF-8 (comma delimited)” and upload it again."
)


@pytest.mark.django_db
def test_png_renamed_xlsx_is_refused(admin):
    assert refused(PNG, admin, "needs.xlsx") == NOT_A_WORKBOOK


@pytest.mark.django_db
def test_corrupt_zip_is_refused(admin):
    good = xlsx_bytes([row()])
    assert refused(good[: len(good) // 2], admin, "needs.xlsx") == NOT_A_WORKBOOK


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_is_refused(admin):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "hello")
    assert refused(out.getvalue(), admin, "needs.xlsx") == NOT_A_WORKBOOK


@pytest.mark.django_db
@pytest.mark.parametrize("junk", [PNG, bytes(range(256)) * 4, "社区,日期".encode("utf-16")])
def test_binary_junk_csv_is_refused(admin, junk):
    assert refused(junk, admin, "needs.csv") == NOT_A_CSV


@pytest.mark.django_db
def test_workbook_named_csv_is_refused(admin):
    assert refused(xlsx_bytes([row()]), admin, "needs.csv") == (
        "This file is an Excel workbook, not a CSV file: upload it with its .xlsx name, or save it as CSV."
    )


TOO_BIG = "The file is larger than 5 MB: split it into smaller files."


@pytest.mark.django_db
def test_file_over_5_mb_is_refused(admin):
    data = csv_bytes([row()])
    data += b"#" * (MAX_BYTES + 1 - len(data))
    assert len(data) == MAX_BYTES + 1
    assert refused(data, admin, "needs.csv") == TOO_BIG
    upload = SimpleUploadedFile("needs.xlsx", data)
    with pytest.raises(ImportFileError, match="larger than 5 MB"):
        check_file(file=upload, file_name="needs.xlsx", user=admin, today=TODAY)


@pytest.mark.django_db
def test_too_many_rows_is_refused_and_the_limit_itself_is_fine(admin):
    rows = [row(title=f"需求{i}") for i in range(MAX_ROWS)]
    assert len(check(csv_bytes(rows), admin).rows) == MAX_ROWS
    message = refused(csv_bytes([*rows, row(title="多一行")]), admin, "needs.csv")
    assert message == "The file has more than 20000 rows of needs: split it into files of at most 20000 rows."


def xlsx_with_extra_member(name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([row()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info.filename))
        archive.writestr(name, content)
    return out.getvalue()


UNSAFE = (
    "This workbook cannot be read safely: it unpacks to too much data or is built unusually. "
    "Save it again as .xlsx, or split it."
)


@pytest.mark.django_db
def test_zip_bomb_is_refused(admin):
    # Control: a harmless extra member does not stop the workbook from being read.
    assert check(xlsx_with_extra_member("xl/media/note.txt", b"hello" * 10), admin, "needs.xlsx").ok
    bomb = xlsx_with_extra_member("xl/media/image1.png", b"\0" * (60 * 1024 * 1024))
    assert len(bomb) < MAX_BYTES
    assert refused(bomb, admin, "needs.xlsx") == UNSAFE


@pytest.mark.django_db
def test_member_packed_over_100_to_1_is_refused(admin):
    dense = xlsx_with_extra_member("xl/media/image1.png", b"\0" * (2 * 1024 * 1024))
    assert refused(dense, admin, "needs.xlsx") == UNSAFE


@pytest.mark.django_db
def test_too_many_zip_members_is_refused(admin):
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([row()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info.filename))
        for i in range(1001):
            archive.writestr(f"xl/media/m{i}.txt", "x")
    assert refused(out.getvalue(), admin, "needs.xlsx") == UNSAFE


def minimal_xlsx(sheet_prolog: str = "", title: str = "小区充电桩不足") -> bytes:
    """A hand-built workbook (inline strings), so its sheet XML can carry a DOCTYPE."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"

    def cells(values):
        return "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)

    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + sheet_prolog
        + f'<worksheet xmlns="{main}"><sheetData>'
        + f'<row r="1">{cells(["社区", "日期", "标题", "类别"])}</row>'
        + f'<row r="2">{cells(["320585100001", "2024-03-05", title, "ev_charging"])}</row>'
        + "</sheetData></worksheet>"
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()


XML_REFUSED = "This workbook contains XML that is not allowed (entity declarations) and was not read."


def test_openpyxl_uses_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.django_db
def test_billion_laughs_xlsx_is_refused(world, categories, admin):
    # Control: the same hand-built workbook without a DOCTYPE reads fine.
    assert check(minimal_xlsx(), admin, "needs.xlsx").rows == [
        expected_row(
            world, categories, channel=Channel.OTHER, description="", location="", resident_name="", mobile=""
        )
    ]
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    started = time.monotonic()
    assert refused(minimal_xlsx(doctype, title="&lol9;"), admin, "needs.xlsx") == XML_REFUSED
    assert time.monotonic() - started < 2


@pytest.mark.django_db
def test_external_entity_xlsx_is_refused(admin):
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    assert refused(minimal_xlsx(doctype, title="&xxe;"), admin, "needs.xlsx") == XML_REFUSED


# --- Nothing written, fixed queries, progress, speed -----------------------------------------------


def many_rows(n: int) -> list[list]:
    communities = ["320585100001", "南湾社区", "北泾村", "320585101202"]
    return [
        row(community=communities[i % 4], title=f"需求{i}", date=f"2024-{1 + i % 5:02d}-{1 + i % 28:02d}")
        for i in range(n)
    ]


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows_and_nothing_is_written(world, categories, admin):
    Need.objects.create(
        community=world.a1,
        raised_on=date(2024, 1, 1),
        title="需求0",
        category=categories["ev"],
        logged_by=admin,
    )
    expected = [
        "communities_membership",  # the user's scope
        "communities_community",  # the communities the user may import into, by code and name
        "needs_problemcategory",  # the categories, by code and name
        "needs_need",  # needs already recorded, for duplicates, one query
    ]
    for n in (10, 1000):
        user = get_user_model().objects.get(pk=admin.pk)  # scope not yet cached, as in a new request
        data = csv_bytes(many_rows(n))
        with capture() as queries:
            result = check(data, user)
        assert len(result.rows) == n - 1  # row 2 is already recorded
        assert tables(queries) == expected, n
        assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)
    assert Need.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "n, calls",
    [(1200, [(500, 1200), (1000, 1200), (1200, 1200)]), (1000, [(500, 1000), (1000, 1000)]), (3, [(3, 3)])],
)
def test_progress_is_reported_every_500_rows_and_at_the_end(admin, n, calls):
    seen = []
    check(csv_bytes(many_rows(n)), admin, progress=lambda done, total: seen.append((done, total)))
    assert seen == calls


@pytest.mark.django_db
def test_ten_thousand_rows_are_checked_in_well_under_5_seconds(admin):
    data = xlsx_bytes(
        [row(title=f"需求{i}", date=datetime(2024, 1 + i % 5, 1 + i % 28)) for i in range(10_000)]
    )
    started = time.monotonic()
    result = check(data, admin, "needs.xlsx")
    elapsed = time.monotonic() - started
    assert len(result.rows) == 10_000 and result.errors == []
    assert elapsed < 5
