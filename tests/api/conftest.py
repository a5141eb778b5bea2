"""The API under test as a client sees it: a small world with records of every
kind (so that ids exist for every detail endpoint and action), a token per role,
and Django's WSGI application answering in-process inside the test's transaction."""

import logging
import sys
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from rest_framework.authtoken.models import Token

from communities.models import CommunityType
from needs import services as needs_services
from needs.models import Channel, Need, NeedSurvey
from projects.models import DecisionDay, ProgressUpdate, Project, ProjectEvent, Resource
from tests.projects.factories import decision_day_of, need_in, project_in, resource

ROLES = ("city_admin", "town_staff", "community_worker", "viewer")
S = Project.State


class InProcessApp:
    """Django's WSGI handler for a test client that is not Django's own (werkzeug's).

    Django closes the database connection at the start and end of every request;
    inside a test that would end the test's transaction, so, as Django's test
    client does, those two signals are muted while a request runs. The exception
    behind a 500 is kept, for the failure report."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.last_exception = None

    def _keep_exception(self, sender, request=None, **kwargs):
        self.last_exception = "".join(traceback.format_exception(*sys.exc_info()))

    def __call__(self, environ, start_response):
        self.last_exception = None
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        got_request_exception.connect(self._keep_exception)
        try:
            result = self.handler(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                result.close()
        finally:
            got_request_exception.disconnect(self._keep_exception)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@dataclass
class ApiWorld:
    """The conftest ``world`` plus records of every kind, and a token per role."""

    world: object
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)


@pytest.fixture
def api_world(world, settings, tmp_path):
    """Needs (open, planned, closed, with a resident's number), surveys, a draft and a
    published needs list, resources at every level, decision days, and projects in
    every state of the path with events and progress reports, in both towns."""
    # Uploads the generated requests carry stay out of the project's media folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_TEMP_DIR = tmp_path / "media" / "imports-pending"
    admin, worker = world.users["city_admin"], world.users["community_worker"]
    staff = world.users["town_staff"]
    today = timezone.localdate()

    for community in (world.a1, world.a2, world.b1):
        NeedSurvey.objects.create(
            community=community,
            date=today - timedelta(days=10),
            channel=Channel.VISIT,
            participants=12,
            notes="入户走访",
            conducted_by=admin,
        )
    survey = NeedSurvey.objects.filter(community=world.a1).get()
    need_in(world.a1, by=worker, title="电梯加装", category="elevator_retrofit")
    need_in(world.a1, by=worker, title="垃圾分类", category="waste_sorting", status=Need.Status.CLOSED)
    Need.objects.filter(title="电梯加装").update(
        survey=survey, mobile="13812341234", resident_name="王小明", urgent=True
    )
    need_in(world.a2, by=staff, title="停车难", category="parking_power_expansion")
    need_in(world.b1, by=admin, title="路面破损", category="public_facility_repair")

    year = today.year - 1
    for need in Need.objects.all():
        need.raised_on = date(year, 3, 5)
        need.save(update_fields=["raised_on"])
    old_street = CommunityType.objects.get(code="old_street")
    published = needs_services.needs_list_compile(community_type=old_street, year=year, by=admin)
    needs_services.needs_list_publish(needs_list=published, by=admin)
    needs_services.needs_list_compile(community_type=world.a1.type, year=year, by=admin)

    city_fund = resource("市级社区治理专项资金", category="funds", capacity_amount=500000, capacity_unit="元")
    resource("城厢镇志愿者队伍", category="volunteer_teams", level=Resource.Level.TOWN, town=world.town_a)
    resource("东苑社区活动室", category="spaces", level=Resource.Level.COMMUNITY, community=world.a1)
    resource("沙溪镇共建单位", category="co_building_units", level=Resource.Level.TOWN, town=world.town_b)
    resource("停用的资源", is_active=False)

    decision_day_of(world.a1, by=staff)
    decision_day_of(world.b1, by=admin)
    decision_day_of(world.a1, by=staff, days_ahead=-30, state=DecisionDay.State.HELD)

    api = ApiWorld(world=world)
    for state in (S.DRAFT, S.SUBMITTED, S.SCHEDULED, S.APPROVED, S.IN_PROGRESS, S.COMPLETED, S.ACCEPTED):
        project = project_in(
            state, community=world.a1, by=worker, title=f"项目{state}", resources={city_fund: 10000}
        )
        ProjectEvent.objects.create(
            project=project,
            action="submit",
            from_state=S.DRAFT,
            to_state=state,
            actor=worker,
            at=timezone.now(),
        )
        api.projects[state] = project
    ProgressUpdate.objects.create(
        project=api.projects[S.IN_PROGRESS], date=today, text="已完成一半", percent=50, created_by=worker
    )
    api.projects["other_town"] = project_in(S.SUBMITTED, community=world.b1, by=admin, title="沙溪项目")

    for role in ROLES:
        token = Token.objects.create(user=world.users[role])
        api.headers[role] = {"Authorization": f"Token {token.key}"}
    return api


@pytest.fixture
def api_app():
    return InProcessApp()


@pytest.fixture(autouse=True)
def _quiet_client_errors():
    """Thousands of 400s and 404s are the point here; log only what a server error logs."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
