"""Reads for needs: scoped lists, the needs-list aggregation and the town's overdue escalations."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from communities.models import Community, CommunityType

from . import access
from .models import Escalation, EscalationDepartment, Need, NeedsList, ProblemCategory


def active_categories() -> QuerySet:
    """The categories offered when logging a need, in the taxonomy's order."""
    return ProblemCategory.objects.filter(is_active=True).order_by("order")


def escalation_departments(town_id: int) -> QuerySet:
    """The departments a town's escalations are offered, in the town's order."""
    return EscalationDepartment.objects.filter(town_id=town_id, is_active=True).order_by("order", "name")


def need_list(user) -> QuerySet:
    """The user's needs with everything a list row shows, in one query."""
    return access.visible_needs(user).select_related("community__town", "community__type", "category")


def needs_list_figures(*, community_type: CommunityType, year: int) -> list[dict]:
    """The ranked shared problems of a type's communities in a year, in one query.

    Ranked by how many communities raised the problem, then by how many needs.
    """
    rows = (
        Need.objects.filter(community__type=community_type, raised_on__year=year)
        .values("category")
        .annotate(
            need_count=Count("id"),
            community_count=Count("community", distinct=True),
            open_count=Count("id", filter=Q(status__in=[Need.Status.OPEN, Need.Status.ESCALATED])),
            urgent_count=Count("id", filter=Q(urgent=True)),
        )
        .order_by("-community_count", "-need_count", "category")
    )
    return list(rows)


def current_needs_list(community_type: CommunityType) -> NeedsList | None:
    """The newest published list of a type (latest year, then latest version)."""
    return (
        NeedsList.objects.filter(community_type=community_type, state=NeedsList.State.PUBLISHED)
        .order_by("-year", "-version")
        .first()
    )


def community_counts_by_category(*, community: Community, year: int) -> dict[int, dict]:
    """A community's own needs per category in a year (for beside its type's list)."""
    rows = (
        Need.objects.filter(community=community, raised_on__year=year)
        .values("category")
        .annotate(
            need_count=Count("id"),
            open_count=Count("id", filter=Q(status__in=[Need.Status.OPEN, Need.Status.ESCALATED])),
        )
    )
    return {r["category"]: r for r in rows}


def overdue_escalations(user, *, today=None) -> QuerySet:
    """Unanswered escalations past their due date, in the user's scope."""
    today = today or timezone.localdate()
    return (
        Escalation.objects.filter(
            need__in=access.visible_needs(user).values("id"),
            need__status=Need.Status.ESCALATED,  # closed or solved meanwhile: no longer waiting
            responded_on__isnull=True,
            due_on__lt=today,
        )
        .select_related("need__community__town", "escalated_by")
        .order_by("due_on", "id")
    )
