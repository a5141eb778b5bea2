"""One resolver per kind: ids, codes and names mean the same everywhere, and a
malformed value is "not found", never an error of the server."""

import pytest

from communities import lookups
from communities.access import visible_communities
from communities.models import Community


@pytest.fixture
def communities(world):
    return world


@pytest.mark.parametrize("ref", ["id", "code", "name"])
def test_a_community_is_found_by_id_code_or_name(communities, ref):
    a1 = communities.a1
    value = {"id": str(a1.pk), "code": a1.code, "name": a1.name}[ref]
    assert lookups.COMMUNITY.resolve(value) == a1


@pytest.mark.parametrize(
    "value",
    ["²", "٣", "1e3", "-1", "0", "", "   ", "x" * 101, "12\x00", None, ["1"], {"a": 1}, True, "9" * 30],
)
def test_malformed_references_are_simply_not_found(communities, value):
    assert lookups.COMMUNITY.resolve(value) is None
    assert lookups.TOWN.resolve(value) is None


def test_a_community_outside_the_scope_is_not_found_like_a_missing_one(communities):
    scope = visible_communities(communities.users["town_staff"])
    assert lookups.COMMUNITY.resolve(communities.b1.code, scope) is None
    assert lookups.COMMUNITY.resolve(str(communities.b1.pk), scope) is None
    assert lookups.COMMUNITY.resolve(communities.a2.code, scope) == communities.a2


def test_a_twelve_digit_code_is_never_read_as_an_id(communities):
    missing_code = "320585100999"
    assert not Community.objects.filter(code=missing_code).exists()
    assert lookups.COMMUNITY.resolve(missing_code) is None


def test_a_name_shared_by_two_communities_names_neither(communities):
    # Names are unique within a town, not across the city.
    Community.objects.filter(pk=communities.a2.pk).update(name=communities.b1.name)
    assert lookups.COMMUNITY.resolve(communities.b1.name) is None
    assert lookups.COMMUNITY.resolve(communities.b1.code) == communities.b1


def test_a_town_is_found_by_its_nine_digit_code_or_name(communities):
    assert lookups.TOWN.resolve("320585101") == communities.town_b
    assert lookups.TOWN.resolve("沙溪镇") == communities.town_b


def test_community_types_are_known_by_code_or_name_never_by_id(reference_data):
    old_street = lookups.COMMUNITY_TYPE.resolve("old_street")
    assert old_street is not None
    assert lookups.COMMUNITY_TYPE.resolve(old_street.name) == old_street
    assert lookups.COMMUNITY_TYPE.resolve(str(old_street.pk)) is None


@pytest.mark.parametrize("typed", ["street_lighting", "STREET_LIGHTING", "路灯照明", "ldzm", "LDZM"])
def test_a_category_is_found_by_code_name_or_pinyin_initials_in_any_case(reference_data, typed):
    from needs.lookups import CATEGORY
    from needs.models import ProblemCategory

    category = ProblemCategory.objects.get(code="street_lighting")
    assert category.initials.lower() == "ldzm" and category.name == "路灯照明"
    assert CATEGORY.resolve(typed) == category


def test_the_index_of_a_spreadsheet_reads_references_as_the_resolver_does(reference_data):
    from core.lookups import ResolverIndex
    from needs.lookups import CATEGORY
    from needs.models import ProblemCategory

    index = ResolverIndex(CATEGORY, ProblemCategory.objects.all())
    for typed in ("street_lighting", "LDZM", "路灯照明", "²", "", "nothing"):
        assert index.resolve(typed) == CATEGORY.resolve(typed), typed
