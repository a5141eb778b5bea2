"""An unknown town named in a filter or a field is reported as a town (镇/街道),
the word the pages use. Today the message reads 镇级“999”不存在 ("town-level …"):
the resolver's label shares its msgid with the resource level 镇级."""

import pytest


@pytest.mark.parametrize("endpoint", ["/api/v1/needs/", "/api/v1/projects/", "/api/v1/communities/"])
def test_an_unknown_town_filter_is_called_a_town(world, api_as, endpoint):
    response = api_as(world.users["city_admin"]).get(
        endpoint, {"town": "999"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 400
    message = response.json()["town"][0]
    assert "999" in message
    assert "镇级" not in message
    assert "镇/街道" in message or "镇（街道）" in message
