"""Control characters (U+0001–U+001F other than tab and line breaks) in text.

No person types them; they arrive by pasting from other systems, by the API or
in a CSV file. Today they are stored as they come, and an .xlsx export of any
row holding one fails with a server error (openpyxl refuses them), for every
user whose scope includes that row."""

from needs import services
from needs.models import Need, ProblemCategory
from tests.projects.factories import need_in

CONTROL = "路灯\x01不亮\x1b"


def category(code="street_lighting") -> ProblemCategory:
    return ProblemCategory.objects.get(code=code)


def test_a_need_title_with_a_control_character_is_refused_beside_the_field(world, client_as):
    # given a need of a1 that its community worker corrects
    worker = world.users["community_worker"]
    need = need_in(world.a1, by=worker, title="路灯不亮")
    client = client_as(worker)

    # when the title is sent with control characters in it
    response = client.post(
        f"/needs/{need.pk}/edit/",
        {
            "raised_on": "2024-03-05",
            "channel": "visit",
            "title": CONTROL,
            "category": "路灯照明",
            "description": "",
            "location": "",
            "resident_name": "",
            "mobile": "",
        },
    )

    # then the form comes back with the error beside the title, and nothing is written
    assert response.status_code == 400
    assert 'name="title"' in response.content.decode() and "is-invalid" in response.content.decode()
    need.refresh_from_db()
    assert need.title == "路灯不亮"


def test_the_api_refuses_a_need_title_with_a_control_character(world, api_as):
    response = api_as(world.users["town_staff"]).post(
        "/api/v1/needs/",
        {"community": world.a1.pk, "date": "2024-03-05", "title": CONTROL, "category": "street_lighting"},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "title" in response.json()
    assert not Need.objects.exists()


def test_the_needs_export_does_not_fail_on_a_stored_control_character(world, client_as):
    # given a need whose title already holds a control character (older data, another path in)
    staff = world.users["town_staff"]
    need_in(world.a1, by=staff, title=CONTROL)

    # when the town exports its needs as a spreadsheet
    response = client_as(staff).get("/needs/export.xlsx")

    # then the export is a spreadsheet, not a server error
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_needs_list_export_does_not_fail_on_a_control_character_in_an_item_note(world, client_as):
    # given a draft list whose first item carries a note with a control character
    admin = world.users["city_admin"]
    need_in(world.a1, by=admin, title="路灯不亮")
    needs_list = services.needs_list_compile(by=admin, community_type=world.a1.type, year=2024)
    item = needs_list.items.first()
    assert item is not None
    item.note = "见附件\x02"
    item.save()

    # when it is exported
    response = client_as(admin).get(f"/needs-lists/{needs_list.pk}/export.xlsx")

    # then the export answers with the file
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_imported_row_with_a_control_character_is_a_row_error_and_nothing_is_written(world, api_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = "社区,日期,渠道,标题,描述,类别,是否紧急,地点,居民姓名,手机号"
    body = f"{header}\r\n{world.a1.code},2024-03-05,上门走访,{CONTROL},,路灯照明,否,,,\r\n"
    upload = SimpleUploadedFile("需求.csv", body.encode("utf-8"), content_type="text/csv")

    response = api_as(world.users["town_staff"]).post(
        "/api/v1/needs/import/", {"file": upload, "dry_run": "false"}, format="multipart"
    )

    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "标题")]
    assert not Need.objects.exists()
