"""A need's pages as people use them: categories picked however they are typed,
shown by name; refused forms that keep what was typed; buttons that follow the
permissions; the town's escalation departments; the overdue filter; exports
named in Chinese."""

import io
import re
from datetime import date, timedelta
from urllib.parse import unquote

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Role
from needs import services
from needs.models import Escalation, EscalationDepartment, Need, NeedSurvey, ProblemCategory
from tests.factories import user_with_role
from tests.needs.contracts import EveryRoleReads, NeedsContract


def category(code) -> ProblemCategory:
    return ProblemCategory.objects.get(code=code)


@pytest.fixture
def need(world):
    """An open need of a1 about a lift (elevator_retrofit)."""
    return services.need_create(
        by=world.users["city_admin"],
        community=world.a1,
        title="多层住宅加装电梯",
        category=category("elevator_retrofit"),
        raised_on=date(2024, 3, 5),
    )


def input_value(content: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', content)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def textarea_value(content: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', content, re.S)
    assert match, name
    return match.group(1).strip()


# --- categories: typed any way, shown by name ------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["ldzm", "street_lighting", "STREET_LIGHTING", "路灯照明", "Street lighting"],
    ids=["pinyin-initials", "code", "code-upper-case", "chinese-name", "english-name"],
)
def test_fast_entry_picks_the_category_from_initials_code_or_either_name(world, client_as, typed):
    # given a survey in a1
    survey = services.survey_create(
        by=world.users["community_worker"], community=world.a1, date=date(2024, 3, 5), channel="visit"
    )

    # when the worker types the category as they know it
    response = client_as(world.users["community_worker"]).post(
        reverse("needs:survey_add_need", args=[survey.pk]),
        {"title": "路灯坏了", "category": typed},
        HTTP_HX_REQUEST="true",
    )

    # then the need is saved under 路灯照明
    assert response.status_code == 200
    assert Need.objects.get().category.code == "street_lighting"


def test_the_edit_form_shows_the_categorys_chinese_name_not_its_code(need, world, client_as):
    response = client_as(world.users["community_worker"]).get(reverse("needs:edit", args=[need.pk]))

    content = response.content.decode()
    assert input_value(content, "category") == "加装电梯"
    assert "elevator_retrofit" not in content


def test_the_edit_form_takes_the_name_and_keeps_an_unknown_one_as_typed(need, world, client_as):
    client = client_as(world.users["community_worker"])
    data = {"raised_on": "2024-03-05", "channel": "other", "title": "多层住宅加装电梯"}

    refused = client.post(reverse("needs:edit", args=[need.pk]), {**data, "category": "电梯加装啦"})
    saved = client.post(reverse("needs:edit", args=[need.pk]), {**data, "category": "ljxqgz"})

    assert refused.status_code == 400
    assert input_value(refused.content.decode(), "category") == "电梯加装啦"
    assert saved.status_code == 302
    assert Need.objects.get(pk=need.pk).category.code == "old_estate_renovation"


def test_saving_the_edit_form_unchanged_keeps_the_category(need, world, client_as):
    client = client_as(world.users["community_worker"])
    data = {"raised_on": "2024-03-05", "channel": "other", "title": "加装电梯（改）", "category": "加装电梯"}

    response = client.post(reverse("needs:edit", args=[need.pk]), data)

    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.title, need.category.code) == ("加装电梯（改）", "elevator_retrofit")


# --- refused forms keep what was typed ---------------------------------------------------------------


def test_a_refused_escalation_comes_back_with_everything_typed_and_the_error_beside_the_date(
    need, world, client_as
):
    yesterday = timezone.localdate() - timedelta(days=1)

    response = client_as(world.users["town_staff"]).post(
        reverse("needs:escalate", args=[need.pk]),
        {"department": "镇住建局", "due_on": yesterday.isoformat(), "note": "需要镇里协调加装"},
    )

    assert response.status_code == 400
    content = response.content.decode()
    form = content.split('data-testid="escalate-form"', 1)[1].split("</form>", 1)[0]
    assert input_value(form, "department") == "镇住建局"
    assert input_value(form, "due_on") == yesterday.isoformat()
    assert input_value(form, "note") == "需要镇里协调加装"
    due_box = form.split('name="due_on"', 1)[1]
    assert due_box.split("</div>", 1)[0].count("invalid-feedback") == 1
    assert not Escalation.objects.exists()


def test_a_refused_close_comes_back_with_the_reason_typed(need, world, client_as):
    response = client_as(world.users["community_worker"]).post(
        reverse("needs:close", args=[need.pk]), {"reason": "长" * 2001}
    )

    assert response.status_code == 400
    form = response.content.decode().split('data-testid="close-form"', 1)[1].split("</form>", 1)[0]
    assert textarea_value(form, "reason") == "长" * 2001
    assert "invalid-feedback" in form


def test_a_good_escalation_still_redirects_to_the_need(need, world, client_as):
    due = timezone.localdate() + timedelta(days=10)

    response = client_as(world.users["town_staff"]).post(
        reverse("needs:escalate", args=[need.pk]), {"department": "城管办", "due_on": due.isoformat()}
    )

    assert response.status_code == 302
    assert Escalation.objects.get().department == "城管办"


# --- buttons follow the same predicates as the views -------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("viewer", set()),
        ("community_worker", {"edit", "close"}),
        ("town_staff", {"edit", "close", "escalate"}),
        ("city_admin", {"edit", "close", "escalate"}),
    ],
)
def test_a_needs_page_offers_only_the_actions_the_user_may_take(need, world, client_as, role, shown):
    content = client_as(world.users[role]).get(reverse("needs:detail", args=[need.pk])).content.decode()

    offered = {
        "edit": reverse("needs:edit", args=[need.pk]) in content,
        "close": 'data-testid="close-form"' in content,
        "escalate": 'data-testid="escalate-form"' in content,
        "reopen": reverse("needs:reopen", args=[need.pk]) in content,
        "resolve": reverse("needs:resolve", args=[need.pk]) in content,
    }
    assert {name for name, is_offered in offered.items() if is_offered} == shown


def test_a_closed_need_offers_reopening_and_nothing_else(need, world, client_as):
    services.need_close(need=need, by=world.users["city_admin"], reason="重复")

    content = (
        client_as(world.users["town_staff"]).get(reverse("needs:detail", args=[need.pk])).content.decode()
    )

    assert reverse("needs:reopen", args=[need.pk]) in content
    assert 'data-testid="close-form"' not in content
    assert 'data-testid="escalate-form"' not in content


# --- the town's escalation departments ------------------------------------------------------------


@pytest.fixture
def departments(world):
    admin = world.users["city_admin"]
    return [
        services.department_add(town=world.town_a, name=name, order=i, by=admin)
        for i, name in enumerate(["城管办", "住建局", "派出所"], 1)
    ]


def test_the_escalation_form_offers_the_towns_active_departments(need, departments, world, client_as):
    services.department_set_active(department=departments[2], active=False, by=world.users["city_admin"])
    services.department_add(town=world.town_b, name="沙溪镇水务站", by=world.users["city_admin"])

    content = (
        client_as(world.users["town_staff"]).get(reverse("needs:detail", args=[need.pk])).content.decode()
    )

    options = content.split('<datalist id="department-options">', 1)[1].split("</datalist>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', options) == ["城管办", "住建局"]
    assert input_value(content, "department") == ""  # free text is still possible


def test_town_staff_add_and_set_aside_their_towns_departments(world, client_as):
    client = client_as(world.users["town_staff"])
    url = reverse("needs:departments", args=[world.town_a.pk])

    added = client.post(url, {"name": " 供电所 ", "order": 4})
    department = EscalationDepartment.objects.get()
    set_aside = client.post(reverse("needs:department_active", args=[department.pk]), {"active": "false"})

    assert (added.status_code, set_aside.status_code) == (302, 302)
    department.refresh_from_db()
    assert (department.town, department.name, department.is_active) == (world.town_a, "供电所", False)
    assert department.history.first().history_user == world.users["town_staff"]


def test_a_department_listed_twice_is_a_field_error(departments, world, client_as):
    response = client_as(world.users["town_staff"]).post(
        reverse("needs:departments", args=[world.town_a.pk]), {"name": "城管办", "order": 1}
    )

    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert EscalationDepartment.objects.filter(name="城管办").count() == 1


class TownDepartments:
    """A town's departments (the town of a1 or b1): 城管办 in town A, 水务站 in town B."""

    @pytest.fixture(autouse=True)
    def _departments(self, world):
        admin = world.users["city_admin"]
        self.departments = {
            "a1": services.department_add(town=world.town_a, name="城管办", by=admin),
            "b1": services.department_add(town=world.town_b, name="水务站", by=admin),
        }

    def unchanged(self, world):
        return sorted(EscalationDepartment.objects.values_list("name", "is_active")) == [
            ("城管办", True),
            ("水务站", True),
        ]


class TestDepartmentsPage(TownDepartments, EveryRoleReads):
    """Every role reads the departments of the towns of its scope."""

    def path(self, world, key):
        return reverse("needs:departments", args=[getattr(world, key).town_id])

    def not_shown(self, world, key):
        return [self.departments[key].name]

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert "城管办" in self.response.content.decode()


class TestDepartmentAdd(TownDepartments, NeedsContract):
    """Only the town's staff and city admins add to its list."""

    method = "post"
    allowed = {"city_admin", "town_staff"}

    def path(self, world, key):
        return reverse("needs:departments", args=[getattr(world, key).town_id])

    def data(self, world):
        return {"name": "供电所", "order": 4}

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        added = EscalationDepartment.objects.get(name="供电所")
        assert (added.town, added.is_active, added.history.first().history_user) == (
            world.town_a,
            True,
            world.users[role],
        )


class TestDepartmentSetAside(TownDepartments, NeedsContract):
    """Only the town's staff and city admins set one of its departments aside."""

    method = "post"
    allowed = {"city_admin", "town_staff"}

    def path(self, world, key):
        return reverse("needs:department_active", args=[self.departments[key].pk])

    def data(self, world):
        return {"active": "false"}

    def test_allowed(self, world, client_as, api_as, role):
        super().test_allowed(world, client_as, api_as, role)
        assert not EscalationDepartment.objects.get(pk=self.departments["a1"].pk).is_active


# --- overdue escalations ------------------------------------------------------------------------------


@pytest.fixture
def escalations(world):
    """a1: overdue and unanswered; a2: overdue but answered; b1: not yet due."""
    admin = world.users["city_admin"]
    past, ahead = timezone.localdate() - timedelta(days=3), timezone.localdate() + timedelta(days=5)
    made = {}
    for key, due, answered in (("a1", past, False), ("a2", past, True), ("b1", ahead, False)):
        need = services.need_create(
            by=admin,
            community=getattr(world, key),
            title=f"{key}-升级",
            category=category("street_lighting"),
            raised_on=date(2024, 3, 5),
        )
        Escalation.objects.create(
            need=need,
            department="城管办",
            due_on=due,
            escalated_by=admin,
            response="已处理" if answered else "",
            responded_on=past if answered else None,
        )
        Need.objects.filter(pk=need.pk).update(status=Need.Status.ESCALATED)
        made[key] = need
    return made


def test_the_api_filters_needs_with_an_overdue_unanswered_escalation(escalations, world, api_as):
    api = api_as(world.users["city_admin"])

    overdue = api.get("/api/v1/needs/", {"overdue": "true"}).json()["results"]
    others = api.get("/api/v1/needs/", {"overdue": "false"}).json()["results"]

    assert [n["title"] for n in overdue] == ["a1-升级"]
    assert sorted(n["title"] for n in others) == ["a2-升级", "b1-升级"]


def test_the_needs_page_filters_overdue_escalations(escalations, world, client_as):
    response = client_as(world.users["town_staff"]).get(reverse("needs:list"), {"overdue": "true"})

    assert response.status_code == 200
    assert [n.title for n in response.context["page"]] == ["a1-升级"]
    assert 'name="overdue"' in response.content.decode()


# --- exports named in Chinese, with an ASCII fallback ---------------------------------------------------


def file_names(response) -> tuple[str, str]:
    header = response["Content-Disposition"]
    fallback = re.search(r'filename="([^"]+)"', header).group(1)
    utf8 = unquote(re.search(r"filename\*=UTF-8''(\S+)", header).group(1))
    return fallback, utf8


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_needs_export_is_named_in_chinese_with_an_ascii_fallback(need, world, client_as, fmt):
    response = client_as(world.users["city_admin"]).get(reverse("needs:export", args=[fmt]))

    fallback, name = file_names(response)
    assert re.fullmatch(rf"needs-\d{{8}}-\d{{4}}\.{fmt}", fallback)
    assert re.fullmatch(rf"需求-\d{{8}}-\d{{4}}\.{fmt}", name)


def test_a_needs_list_export_names_the_type_year_and_version(need, world, client_as):
    needs_list = services.needs_list_compile(
        community_type=world.a1.type, year=2024, by=world.users["city_admin"]
    )

    response = client_as(world.users["city_admin"]).get(reverse("needs:list_export", args=[needs_list.pk]))

    fallback, name = file_names(response)
    assert fallback == f"needs-list-{world.a1.type.code}-2024-v1.xlsx"
    assert name.startswith(f"需求清单-{world.a1.type.name}-2024-")


def test_the_import_template_has_an_ascii_fallback_name_and_rows_of_the_users_scope(world, client_as):
    staff_b = user_with_role(Role.TOWN_STAFF, town=world.town_b, username="staff_b")

    response = client_as(staff_b).get(reverse("needs:import_template"))

    fallback, _name = file_names(response)
    assert fallback == "needs-import-template.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    communities = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert communities == [world.b1.code, world.b2.name]


def test_a_refused_survey_keeps_its_notes(world, client_as):
    response = client_as(world.users["community_worker"]).post(
        reverse("needs:survey_create"),
        {
            "community": world.a1.pk,
            "date": "9999-12-31",
            "channel": "visit",
            "participants": 3,
            "notes": "楼道走访",
        },
    )

    assert response.status_code == 400
    assert textarea_value(response.content.decode(), "notes") == "楼道走访"
    assert not NeedSurvey.objects.exists()


def test_filtering_without_reloading_also_filters_the_export_links(client_as, world):
    # given the needs list filtered by htmx (only the table is swapped)
    response = client_as(world.users["town_staff"]).get(
        "/needs/", {"community": world.a1.code}, HTTP_HX_REQUEST="true"
    )

    # then the answer carries the export links again, with the filter, out of band
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="need-exports"' in page and 'hx-swap-oob="true"' in page
    assert f"/needs/export.xlsx?community={world.a1.code}" in page
    assert f"/needs/export.csv?community={world.a1.code}" in page
