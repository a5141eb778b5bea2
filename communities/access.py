"""Roles and scope: the one place that decides who sees and changes what.

Scope is hierarchical (city ⊃ town ⊃ community) and a user's scope is the union
of their memberships. Every page, API view and export takes its rows from the
``visible_*`` querysets here; an object outside them answers 404, an object
inside them with a forbidden action answers 403 (see ``require``).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import Community, Membership, Role, Town

__all__ = [
    "Role",
    "Membership",
    "Scope",
    "scope_for",
    "visible_towns",
    "visible_communities",
    "can_manage_registry",
    "can_edit_profile",
    "can_manage_alliance",
    "can_manage_users",
    "require",
]


@dataclass(frozen=True)
class Scope:
    """What one user may reach, computed once per request from their memberships."""

    roles: frozenset = frozenset()
    citywide: bool = False  # city admin or viewer: every town and community
    town_ids: frozenset = field(default_factory=frozenset)  # as town staff
    community_ids: frozenset = field(default_factory=frozenset)  # as community worker

    @property
    def is_city_admin(self) -> bool:
        return Role.CITY_ADMIN in self.roles

    @property
    def is_empty(self) -> bool:
        return not (self.citywide or self.town_ids or self.community_ids)


_ANONYMOUS = Scope()


def scope_for(user) -> Scope:
    """The user's scope; cached on the user object (one query per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _ANONYMOUS
    cached = getattr(user, "_governance_scope", None)
    if cached is not None:
        return cached
    roles, towns, communities = set(), set(), set()
    if user.is_superuser:
        roles.add(Role.CITY_ADMIN)
    for role, town_id, community_id in Membership.objects.filter(user=user).values_list(
        "role", "town_id", "community_id"
    ):
        roles.add(role)
        if role == Role.TOWN_STAFF:
            towns.add(town_id)
        elif role == Role.COMMUNITY_WORKER:
            communities.add(community_id)
    scope = Scope(
        roles=frozenset(roles),
        citywide=bool(roles & {Role.CITY_ADMIN, Role.VIEWER}),
        town_ids=frozenset(towns),
        community_ids=frozenset(communities),
    )
    user._governance_scope = scope
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after the user's memberships changed."""
    user.__dict__.pop("_governance_scope", None)


def visible_communities(user, *, include_archived: bool = True) -> QuerySet:
    """Communities the user may read."""
    scope = scope_for(user)
    qs = Community.objects.all()
    if not include_archived:
        qs = qs.filter(is_archived=False)
    if scope.citywide:
        return qs
    if scope.is_empty:
        return qs.none()
    return qs.filter(Q(town_id__in=scope.town_ids) | Q(id__in=scope.community_ids))


def visible_towns(user) -> QuerySet:
    """Towns the user may read: all for city-wide roles, else those of their places."""
    scope = scope_for(user)
    if scope.citywide:
        return Town.objects.all()
    if scope.is_empty:
        return Town.objects.none()
    return Town.objects.filter(
        Q(id__in=scope.town_ids) | Q(communities__id__in=scope.community_ids)
    ).distinct()


def can_manage_registry(user) -> bool:
    """Create, archive and reclassify communities; manage towns, types and units."""
    return scope_for(user).is_city_admin


def can_manage_users(user) -> bool:
    return scope_for(user).is_city_admin


def can_remove_membership(user, membership: Membership) -> bool:
    """City admins remove roles, but never their own last city administrator role
    (nobody would be left to give it back)."""
    if not scope_for(user).is_city_admin:
        return False
    return not (
        membership.user_id == user.pk
        and membership.role == Role.CITY_ADMIN
        and not user.is_superuser
        and not Membership.objects.filter(user_id=user.pk, role=Role.CITY_ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


def can_edit_profile(user, community: Community) -> bool:
    """City admins edit any community; town staff the profile of their town's."""
    scope = scope_for(user)
    return scope.is_city_admin or community.town_id in scope.town_ids


def editable_profile_fields(user, community: Community) -> tuple[str, ...]:
    """Which fields the user may change on this community (empty: none)."""
    scope = scope_for(user)
    if scope.is_city_admin:
        return (
            "code",
            "name",
            "town",
            "pilot_year",
            "pilot_level",
            "model_year",
        ) + Community.PROFILE_FIELDS
    if community.town_id in scope.town_ids:
        return Community.PROFILE_FIELDS
    return ()


def can_manage_alliance(user, community: Community) -> bool:
    """The co-building alliance is kept by the city and the community's town."""
    return can_edit_profile(user, community)


def require(allowed: bool) -> None:
    """Raise 403 when an in-scope object's action is not allowed to the user."""
    if not allowed:
        raise PermissionDenied


class CityAdminBackend:
    """Grants every model permission to active city admins (for Django admin).

    Memberships, not Django's permission tables, say who is a city admin; this
    backend lets the admin site follow them.
    """

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.is_active and scope_for(user_obj).is_city_admin

    def has_module_perms(self, user_obj, app_label):
        return user_obj.is_active and scope_for(user_obj).is_city_admin
