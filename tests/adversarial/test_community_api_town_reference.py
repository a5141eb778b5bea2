"""A town is named in the API by its id, its code or its name, as everywhere
else (one resolver per kind). The community API's ``town`` field takes only the
code, and anything else gets DRF's internal wording: 属性 code 为 3 的对象不存在。"""

import pytest

from communities.models import Community


@pytest.mark.parametrize("how", ["id", "name"])
def test_a_new_community_names_its_town_by_id_or_name(world, api_as, how):
    town = {"id": world.town_a.pk, "name": world.town_a.name}[how]

    response = api_as(world.users["city_admin"]).post(
        "/api/v1/communities/",
        {"code": "320585100777", "name": "新建社区", "town": town, "type": "old_street"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Community.objects.get(code="320585100777").town == world.town_a


def test_an_unknown_town_is_reported_in_the_words_of_the_other_fields(world, api_as):
    response = api_as(world.users["city_admin"]).post(
        "/api/v1/communities/",
        {"code": "320585100777", "name": "新建社区", "town": "999999999", "type": "old_street"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    message = response.json()["town"][0]
    assert "code" not in message and "999999999" in message
