"""Reads for projects: scoped lists, counts by state, and matching resources to needs."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.formats import amount

from . import access, workflow
from .models import CategoryAffinity, Project, ProjectResource, Resource


def project_list(user) -> QuerySet:
    """The user's projects with everything a list row shows, in one query."""
    return (
        access.visible_projects(user)
        .select_related("community__town", "community__type", "proposer")
        .annotate(need_count=Count("needs", distinct=True))
    )


def counts_by_state(queryset) -> dict[str, int]:
    rows = queryset.order_by().values("state").annotate(n=Count("id", distinct=True))
    return {r["state"]: r["n"] for r in rows}


@dataclass
class Match:
    resource: Resource
    score: int
    remaining: Decimal | None
    reasons: list[str] = field(default_factory=list)


# Points for each reason, so that the order is explainable.
FIT_POINTS = 10  # per affinity weight (1–3)
PROXIMITY_POINTS = {Resource.Level.COMMUNITY: 6, Resource.Level.TOWN: 4, Resource.Level.CITY: 2}
CAPACITY_POINTS, FULL_PENALTY = 2, -15
PAST_RESOURCE_POINTS, PAST_CATEGORY_POINTS, PAST_CAP = 3, 1, 5


def match_resources(*, community, needs, exclude_project=None, limit: int = 15) -> list[Match]:
    """Resources for a set of a community's needs, best first, each with its reasons.

    Four queries whatever the size of the catalogue: the category affinities, the
    usable resources with what active projects have committed of them, and past
    accepted projects of the same community type by resource and by category.
    """
    categories = {n.category_id for n in needs}
    fit = dict(
        CategoryAffinity.objects.filter(problem_category_id__in=categories)
        .values("resource_category")
        .annotate(weight=Max("weight"))
        .values_list("resource_category", "weight")
    )
    active = Q(project_links__project__state__in=workflow.ACTIVE_STATES)
    if exclude_project is not None:
        active &= ~Q(project_links__project=exclude_project)
    resources = (
        access.usable_resources(community)
        .select_related("category", "provider")
        .annotate(
            committed=Coalesce(
                Sum("project_links__committed_amount", filter=active),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
    )
    past = ProjectResource.objects.filter(
        project__state=Project.State.ACCEPTED, project__community__type_id=community.type_id
    )
    past_by_resource = dict(
        past.values("resource").annotate(n=Count("project", distinct=True)).values_list("resource", "n")
    )
    past_by_category = dict(
        past.values("resource__category")
        .annotate(n=Count("project", distinct=True))
        .values_list("resource__category", "n")
    )

    matches = []
    for resource in resources:
        reasons, score = [], 0
        weight = fit.get(resource.category_id, 0)
        if weight:
            score += weight * FIT_POINTS
            reasons.append(
                _("fits the needs' problems (%(w)s/3): %(c)s") % {"w": weight, "c": resource.category.label}
            )
        score += PROXIMITY_POINTS[resource.level]
        reasons.append(
            {
                Resource.Level.COMMUNITY: _("the community's own resource"),
                Resource.Level.TOWN: _("a resource of the town"),
                Resource.Level.CITY: _("a city-wide resource"),
            }[resource.level]
        )
        remaining = None
        if resource.capacity_amount is not None:
            remaining = resource.capacity_amount - resource.committed
            if remaining <= 0:
                score += FULL_PENALTY
                reasons.append(_("fully committed to active projects"))
            else:
                score += CAPACITY_POINTS
                reasons.append(
                    _("%(left)s %(unit)s of %(cap)s still free")
                    % {
                        "left": amount(remaining),
                        "unit": resource.capacity_unit,
                        "cap": amount(resource.capacity_amount),
                    }
                )
        used = past_by_resource.get(resource.pk, 0)
        if used:
            score += min(used, PAST_CAP) * PAST_RESOURCE_POINTS
            reasons.append(_("used by %(n)s accepted projects of this community type") % {"n": used})
        else:
            similar = past_by_category.get(resource.category_id, 0)
            if similar:
                score += min(similar, PAST_CAP) * PAST_CATEGORY_POINTS
                reasons.append(
                    _("its kind of resource served %(n)s accepted projects of this community type")
                    % {"n": similar}
                )
        matches.append(Match(resource=resource, score=score, remaining=remaining, reasons=reasons))
    matches.sort(key=lambda m: (-m.score, m.resource.name))
    return matches[:limit]
