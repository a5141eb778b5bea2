"""Numbers and steps are shown as people write them, in pages and the admin."""

from decimal import Decimal

import pytest

from projects.models import ProjectEvent, Resource


@pytest.mark.parametrize(
    ("capacity", "amount", "unit", "shown"),
    [
        ("500000 元", "500000", "元", "500,000 元"),
        ("500000.00元", "500000", "元", "500,000 元"),
        ("", "40", "名", "40 名"),
        ("40 名党员志愿者", "40", "名", "40 名（40 名党员志愿者）"),
        ("120 m² 活动室", None, "", "120 m² 活动室"),
    ],
)
def test_a_resources_capacity_is_written_with_its_number_formatted(capacity, amount, unit, shown):
    resource = Resource(
        capacity=capacity, capacity_amount=Decimal(amount) if amount else None, capacity_unit=unit
    )
    assert resource.capacity_display == shown


def test_a_project_event_names_its_step_and_states_never_their_codes():
    event = ProjectEvent(action="schedule", from_state="submitted", to_state="scheduled")
    assert event.action_label == "列入民主决策日"
    assert ProjectEvent(action="create", from_state="", to_state="draft").action_label == "提出"


def test_the_admins_event_list_shows_the_step_by_name(client_as, world):
    from projects.models import Project
    from tests.projects.factories import project_in

    project = project_in(Project.State.DRAFT, community=world.a1, by=world.users["community_worker"])
    ProjectEvent.objects.create(
        project=project,
        action="create",
        from_state="",
        to_state="draft",
        actor=world.users["city_admin"],
        at=project.created_at,
    )
    page = client_as(world.users["city_admin"]).get("/admin/projects/projectevent/").content.decode()
    assert ">create<" not in page and ">draft<" not in page
