"""The admin's scripts speak Chinese too: the many-to-many chooser's labels
(Django 5.2's own zh_Hans catalogue lacks them; locale/ supplies them)."""

import json
import re


def test_the_admin_script_catalogue_translates_the_chooser(client_as, world):
    body = client_as(world.users["city_admin"]).get("/admin/jsi18n/").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", body, re.S).group(1))
    assert catalog["Choose all %s"] == "全选%s"
    assert catalog["Remove all %s"] == "全部移除%s"
    assert "“选择”" in catalog['Choose %s by selecting them and then select the "Choose" arrow button.']
