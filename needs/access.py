"""Who may do what with needs, built on the scope of communities.access."""

from communities.access import scope_for, visible_communities
from communities.models import Community, Town

from .models import Need, NeedsList, NeedSurvey


def visible_needs(user):
    """Needs of the communities the user may read."""
    return Need.objects.filter(community__in=visible_communities(user).values("id"))


def visible_surveys(user):
    return NeedSurvey.objects.filter(community__in=visible_communities(user).values("id"))


def visible_needs_lists(user):
    """Published lists for everyone with a role; drafts for the city's own roles too."""
    scope = scope_for(user)
    if scope.is_empty:
        return NeedsList.objects.none()
    if scope.citywide:
        return NeedsList.objects.all()
    return NeedsList.objects.filter(state=NeedsList.State.PUBLISHED)


def _works_at(user, community: Community) -> bool:
    """City admin, staff of the community's town or a worker of the community."""
    scope = scope_for(user)
    return scope.is_city_admin or community.town_id in scope.town_ids or community.pk in scope.community_ids


def can_log_needs(user, community: Community) -> bool:
    """Log needs and run surveys: the community's worker, its town's staff, city admins."""
    return not community.is_archived and _works_at(user, community)


def can_run_surveys(user) -> bool:
    """Start a needs survey somewhere: the roles that work at a community (a
    viewer reads only). Which communities is the survey form's choice."""
    scope = scope_for(user)
    return bool(scope.is_city_admin or scope.town_ids or scope.community_ids)


def can_see_mobile(user, need: Need) -> bool:
    """The full number is for those who must call back: the same three roles."""
    return _works_at(user, need.community)


def can_see_mobile_of(user, community: Community) -> bool:
    """The same rule for every need of one community."""
    return _works_at(user, community)


def can_manage_need(user, need: Need) -> bool:
    """Edit, close and reopen a need."""
    return _works_at(user, need.community)


def can_escalate(user, need: Need) -> bool:
    """Escalation to a town department (吹哨报到) is decided by the town's staff."""
    scope = scope_for(user)
    return scope.is_city_admin or need.community.town_id in scope.town_ids


def need_actions(user, need: Need) -> dict[str, bool]:
    """Which actions a need's page offers: the permission its view checks and the
    status its service accepts, so a button is shown only when it would work."""
    manage, escalate = can_manage_need(user, need), can_escalate(user, need)
    status, s = need.status, Need.Status
    return {
        "edit": manage and status != s.RESOLVED,
        "close": manage and status in (s.OPEN, s.ESCALATED),
        "reopen": manage and status == s.CLOSED,
        "escalate": escalate and status in (s.OPEN, s.ESCALATED),
        "resolve": escalate and status == s.ESCALATED,
        "respond": escalate,
    }


def can_manage_departments(user, town: Town) -> bool:
    """A town's list of escalation departments: its staff and city admins."""
    scope = scope_for(user)
    return scope.is_city_admin or town.pk in scope.town_ids


def can_manage_needs_lists(user) -> bool:
    return scope_for(user).is_city_admin


def can_import(user) -> bool:
    scope = scope_for(user)
    return bool(scope.is_city_admin or scope.town_ids or scope.community_ids)


def mobile_visible_for(user):
    """A predicate for many needs at once (lists, exports) with no query per row."""
    scope = scope_for(user)

    def visible(need: Need) -> bool:
        return (
            scope.is_city_admin
            or need.community.town_id in scope.town_ids
            or need.community_id in scope.community_ids
        )

    return visible
