"""Reads that matter for the registry: scoped lists and the counts behind pages."""

from django.db.models import Count, Q, QuerySet

from . import access
from .models import MIN_CO_BUILDING_UNITS, CommunityType


def community_list(user, *, include_archived: bool = True) -> QuerySet:
    """The user's communities with everything a list row shows, in one query."""
    return (
        access.visible_communities(user, include_archived=include_archived)
        .select_related("town", "type")
        .with_unit_count()
    )


def types_with_counts(user) -> QuerySet:
    """The eight types, each with how many of the user's active communities it holds."""
    visible = access.visible_communities(user, include_archived=False).values("id")
    return CommunityType.objects.annotate(
        community_count=Count("communities", filter=Q(communities__in=visible), distinct=True)
    ).order_by("order", "code")


def communities_needing_attention(user, *, limit: int = 20) -> QuerySet:
    """Active communities short of co-building units or without a big party committee."""
    return (
        community_list(user, include_archived=False)
        .filter(Q(unit_count__lt=MIN_CO_BUILDING_UNITS) | Q(has_party_committee=False))
        .order_by("unit_count", "town__code", "code")[:limit]
    )


def scope_summary(user) -> dict:
    """Head-line figures for the home page, in one query."""
    return community_list(user, include_archived=False).aggregate(
        communities=Count("id", distinct=True),
        towns=Count("town", distinct=True),
        pilots=Count("id", filter=Q(pilot_year__isnull=False), distinct=True),
        models=Count("id", filter=Q(model_year__isnull=False), distinct=True),
    )
