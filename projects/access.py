"""Who sees and manages projects, resources and decision days, built on the
scope of communities.access."""

from django.db.models import Q

from communities.access import scope_for, visible_communities
from communities.models import Community

from .models import DecisionDay, Project, Resource


def visible_projects(user):
    return Project.objects.filter(community__in=visible_communities(user).values("id"))


def visible_decision_days(user):
    return DecisionDay.objects.filter(community__in=visible_communities(user).values("id"))


def _scope_towns(user) -> set:
    scope = scope_for(user)
    towns = set(scope.town_ids)
    if scope.community_ids:
        towns |= set(Community.objects.filter(pk__in=scope.community_ids).values_list("town_id", flat=True))
    return towns


def visible_resources(user):
    """Resources a user's communities may use, and those the user keeps."""
    scope = scope_for(user)
    if scope.citywide:
        return Resource.objects.all()
    if scope.is_empty:
        return Resource.objects.none()
    return Resource.objects.filter(
        Q(level=Resource.Level.CITY)
        | Q(town_id__in=_scope_towns(user))
        | Q(community__in=visible_communities(user).values("id"))
    )


def usable_resources(community: Community):
    """The resources a community may draw on: its own, its town's, the city's."""
    return Resource.objects.filter(is_active=True).filter(
        Q(level=Resource.Level.CITY) | Q(town_id=community.town_id) | Q(community_id=community.pk)
    )


def can_manage_resource(user, resource: Resource) -> bool:
    """City admins keep every resource; town staff their town's and its communities';
    community workers their own community's."""
    scope = scope_for(user)
    if scope.is_city_admin:
        return True
    if resource.level == Resource.Level.TOWN:
        return resource.town_id in scope.town_ids
    if resource.level == Resource.Level.COMMUNITY:
        community = resource.community
        return community.town_id in scope.town_ids or community.pk in scope.community_ids
    return False


def can_keep_resources(user) -> bool:
    """Whether the user keeps resources of some place (and so may add one)."""
    scope = scope_for(user)
    return scope.is_city_admin or bool(scope.town_ids or scope.community_ids)


def can_create_projects(user, community: Community) -> bool:
    """Projects are proposed by the community's own worker."""
    return not community.is_archived and community.pk in scope_for(user).community_ids


def proposing_communities(user):
    """The communities the user may propose projects for (the new-project form's choice)."""
    return Community.objects.filter(pk__in=scope_for(user).community_ids, is_archived=False)


def can_propose_projects(user) -> bool:
    """Whether the user works for some community, and so may open the new-project form.
    (Read from the scope alone, so a list page asks it without a query.)"""
    return bool(scope_for(user).community_ids)


def can_plan_decision_days(user, community: Community) -> bool:
    scope = scope_for(user)
    return scope.is_city_admin or community.town_id in scope.town_ids


def can_plan_any_decision_day(user) -> bool:
    """City admins and town staff plan decision days (each for the communities they keep)."""
    scope = scope_for(user)
    return scope.is_city_admin or bool(scope.town_ids)


def planning_communities(user):
    """The communities whose decision days the user may plan."""
    scope = scope_for(user)
    communities = visible_communities(user, include_archived=False)
    if scope.is_city_admin:
        return communities
    return communities.filter(town_id__in=scope.town_ids)
