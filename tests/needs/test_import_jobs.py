"""Importing through the pages: check, see every bad row, confirm; large files in
the background with their progress shown."""

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from needs import services
from needs.models import ImportJob, Need

HEADER = "社区,日期,渠道,标题,描述,类别,是否紧急,地点,居民姓名,手机号"


def csv_file(rows, name="需求.csv", encoding="gbk"):
    body = "\r\n".join([HEADER, *rows]) + "\r\n"
    return SimpleUploadedFile(name, body.encode(encoding), content_type="text/csv")


def good_rows(n, start=0):
    return [f"320585100001,2024-03-05,上门走访,需求{i},,路灯照明,否,,," for i in range(start, start + n)]


def upload(client, file):
    return client.post("/needs/import/", {"file": file})


def test_a_file_with_a_bad_row_shows_it_and_imports_nothing(client, world):
    client.force_login(world.users["town_staff"])
    response = upload(
        client, csv_file([*good_rows(2), "320585100001,2024-03-05,上门走访,坏行,,路灯照明,否,,,1381234"])
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/needs/import/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-errors"' in page and "<td>4</td><td>手机号</td>" in page
    assert 'data-testid="import-confirm"' not in page
    assert job.stage == ImportJob.Stage.CHECKED and not Need.objects.exists()
    # Confirming a file with errors is refused.
    client.post(f"/needs/import/{job.pk}/confirm/")
    assert not Need.objects.exists()


def test_a_good_file_is_imported_once_after_confirmation(client, world):
    client.force_login(world.users["town_staff"])
    job_url = upload(client, csv_file(good_rows(3)))["Location"]
    page = client.get(job_url).content.decode()
    assert 'data-testid="import-ready"' in page and not Need.objects.exists()
    job = ImportJob.objects.get()
    response = client.post(f"/needs/import/{job.pk}/confirm/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.stage == ImportJob.Stage.DONE and job.need_import.rows == 3
    assert Need.objects.filter(imported_in=job.need_import).count() == 3
    assert 'data-testid="import-done"' in client.get(job_url).content.decode()
    # A second confirmation (a double click, a second tab) imports nothing more.
    client.post(f"/needs/import/{job.pk}/confirm/")
    assert Need.objects.count() == 3


def test_a_file_that_is_not_a_spreadsheet_fails_with_a_message(client, world):
    client.force_login(world.users["town_staff"])
    job_url = upload(client, SimpleUploadedFile("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100))["Location"]
    page = client.get(job_url).content.decode()
    assert ImportJob.objects.get().stage == ImportJob.Stage.FAILED
    assert 'data-testid="import-failed"' in page


def test_an_import_job_is_only_its_owners(client, world):
    client.force_login(world.users["town_staff"])
    job_url = upload(client, csv_file(good_rows(1)))["Location"]
    job = ImportJob.objects.get()
    client.force_login(world.users["city_admin"])
    assert client.get(job_url).status_code == 404
    assert client.post(f"/needs/import/{job.pk}/confirm/").status_code == 404
    assert not Need.objects.exists()


def test_the_viewer_cannot_upload(client, world):
    client.force_login(world.users["viewer"])
    assert upload(client, csv_file(good_rows(1))).status_code == 403
    assert not ImportJob.objects.exists()


def test_a_running_job_shows_its_progress_and_keeps_polling(client, world):
    job = ImportJob.objects.create(
        user=world.users["town_staff"], file_name="大表.xlsx", rows_total=12000, rows_done=4500
    )
    client.force_login(world.users["town_staff"])
    page = client.get(f"/needs/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in page
    digits = page.replace(",", "")
    assert "37%" in page and "4500" in digits and "12000" in digits


def test_a_job_that_stopped_moving_says_so_and_stops_polling(client, world):
    job = ImportJob.objects.create(user=world.users["town_staff"], file_name="大表.xlsx", rows_total=12000)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    client.force_login(world.users["town_staff"])
    page = client.get(f"/needs/import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' not in page and "alert-danger" in page


def wait_for(job, stage, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.stage == stage:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job still {job.stage}")


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_written_in_the_background(client, world):
    client.force_login(world.users["town_staff"])
    rows = services.BACKGROUND_ROWS + 200
    response = upload(client, csv_file(good_rows(rows)))
    job = ImportJob.objects.get()
    # The page answers at once; the check goes on in the background.
    assert response.status_code == 302
    job = wait_for(job, ImportJob.Stage.CHECKED)
    assert (job.rows_ok, job.rows_done, job.rows_total, job.errors) == (rows, rows, rows, [])
    assert not Need.objects.exists()
    client.post(f"/needs/import/{job.pk}/confirm/")
    job = wait_for(job, ImportJob.Stage.DONE)
    assert Need.objects.count() == rows
