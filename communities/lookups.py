"""The one way to find a town, a community type or a community from an id, a
code or a name (see ``core.lookups``). Callers pass the user's scope."""

from django.utils.translation import pgettext_lazy

from core.lookups import Resolver

from .models import Community, CommunityType, Town

TOWN = Resolver(
    Town,
    label=pgettext_lazy("kind of record", "town"),
    code_field="code",
    code_pattern=r"[0-9]{9}",
    names=("name",),
)
COMMUNITY = Resolver(
    Community,
    label=pgettext_lazy("kind of record", "community"),
    code_field="code",
    code_pattern=r"[0-9]{12}",
    names=("name",),
)
# Types are known by their codes (old_street) and their names (老街巷社区); never by id.
COMMUNITY_TYPE = Resolver(
    CommunityType,
    label=pgettext_lazy("kind of record", "community type"),
    code_field="code",
    names=("name", "name_en"),
    by_id=False,
)
