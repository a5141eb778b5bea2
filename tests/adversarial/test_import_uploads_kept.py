"""An uploaded spreadsheet holds residents' names and mobile numbers. Once its
check has failed, the job can never be confirmed (the user uploads a corrected
file), yet the upload stays in IMPORT_TEMP_DIR for ever; nothing removes it.
(The needs test-suite writes these files into the project's own media/ folder.)"""

from django.core.files.uploadedfile import SimpleUploadedFile

from needs.models import ImportJob

HEADER = "社区,日期,渠道,标题,描述,类别,是否紧急,地点,居民姓名,手机号"


def test_a_file_whose_check_failed_is_not_kept(world, client_as, settings, tmp_path):
    settings.IMPORT_TEMP_DIR = tmp_path / "imports-pending"
    client = client_as(world.users["town_staff"])
    body = HEADER + "\r\n320585100001,2024-03-05,上门走访,坏行,,路灯照明,否,,张三,1381234\r\n"

    response = client.post("/needs/import/", {"file": SimpleUploadedFile("需求.csv", body.encode("utf-8"))})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.stage == ImportJob.Stage.CHECKED and job.errors
    kept = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert kept == [], kept
