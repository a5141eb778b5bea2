"""The admin's history page may show a community's old versions, never restore
them: a community's type changes only by reclassification, which records the
reason and the decision. Restoring an old version today sets the type back
behind the reclassification's back (the form's type field is read-only, the
revert is not)."""

from communities import services
from communities.models import Community, CommunityType, Reclassification


def test_restoring_an_old_version_of_a_community_does_not_change_its_type(world, client_as):
    # given a1, reclassified from its first type to 老街巷社区 by a city admin
    admin = world.users["city_admin"]
    first_type = world.a1.type
    old_street = CommunityType.objects.get(code="old_street")
    services.community_reclassify(
        community=Community.objects.get(pk=world.a1.pk),
        to_type=old_street,
        reason="老街改造",
        expected_type=first_type,
        by=admin,
    )
    first_version = world.a1.history.order_by("history_date", "history_id").first()
    assert first_version.type_id == first_type.pk
    client = client_as(admin)
    url = f"/admin/communities/community/{world.a1.pk}/history/{first_version.history_id}/"

    # when the admin posts the history page's "revert" form of the first version
    form = client.get(url).context["adminform"].form
    data = {name: "" if form.initial.get(name) is None else form.initial[name] for name in form.fields}
    data = {k: v for k, v in data.items() if v is not False}
    client.post(url, data)

    # then the community keeps the type its reclassification gave it
    community = Community.objects.get(pk=world.a1.pk)
    assert community.type == old_street
    assert Reclassification.objects.filter(community=community).count() == 1
