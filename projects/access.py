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


def can_create_projects(user, community: Community) -> bool:
    """Projects are proposed by the community's own worker."""
    return not community.is_archived and community.pk in scope_for(user).community_ids


def can_plan_decision_days(user, community: Community) -> bool:
    scope = scope_for(user)
    return scope.is_city_admin or community.town_id in scope.town_ids
