"""The importer refuses a row already recorded (same community, date and title),
so importing one file twice imports it once. Sent at the same moment (a second
tab, a retried upload, two colleagues with the same sheet), every copy passes
the check before any is written, and each need is stored once per request."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from needs.models import Need
from tests.concurrency import at_once

RACERS = 4
HEADER = "社区,日期,渠道,标题,描述,类别,是否紧急,地点,居民姓名,手机号"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_file_imported_four_times_at_once_stores_each_need_once(postgres_only, world):
    # given a file of twenty needs of a1
    staff = world.users["town_staff"]
    rows = [f"320585100001,2024-03-05,上门走访,并发导入{i},,路灯照明,否,,," for i in range(20)]
    body = ("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")
    clients = [APIClient() for _ in range(RACERS)]
    for api in clients:
        api.force_authenticate(staff)

    # when it is imported four times at the same moment
    def send(i):
        upload = SimpleUploadedFile("需求.csv", body, content_type="text/csv")
        return clients[i].post(
            "/api/v1/needs/import/", {"file": upload, "dry_run": "false"}, format="multipart"
        )

    responses = at_once(RACERS, send)

    # then each need is recorded once, and the other imports are refused as duplicates
    assert Need.objects.filter(community=world.a1).count() == 20
    statuses = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == [201] + [400] * (RACERS - 1), statuses
