"""FilterSets of needs, surveys and needs lists, shared by the pages, their exports and the API."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.filters import community_filter, town_filter, type_filter
from core.lookups import RefFilter, YearFilter

from . import lookups
from .models import Channel, Domain, Escalation, Need, NeedsList, NeedSurvey, ProblemCategory


class NeedFilterSet(django_filters.FilterSet):
    town = town_filter("community__town")
    community = community_filter("community")
    type = type_filter("community__type")
    domain = django_filters.ChoiceFilter(
        field_name="category__domain", choices=Domain.choices, label=_("Domain")
    )
    category = RefFilter(
        field_name="category",
        resolver=lookups.CATEGORY,
        queryset=ProblemCategory.objects.all(),
        label=_("Category"),
    )
    status = django_filters.ChoiceFilter(choices=Need.Status.choices, label=_("Status"))
    urgent = django_filters.BooleanFilter(label=_("Urgent"))
    year = YearFilter(field_name="raised_on", lookup_expr="year", label=_("Year"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue escalation"))
    q = django_filters.CharFilter(method="filter_q", label=_("Text"))

    class Meta:
        model = Need
        fields = [
            "town",
            "community",
            "type",
            "domain",
            "category",
            "status",
            "urgent",
            "year",
            "overdue",
            "q",
        ]

    def filter_overdue(self, qs, name, value):
        """Escalated needs waiting on a department past its due date (as the town's
        overdue list, ``queries.overdue_escalations``), or with ``false`` the others."""
        if value is None:
            return qs
        late = Exists(
            Escalation.objects.filter(
                need=OuterRef("pk"), responded_on__isnull=True, due_on__lt=timezone.localdate()
            )
        )
        overdue = Q(late, status=Need.Status.ESCALATED)
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | Q(location__icontains=value)
        )


class SurveyFilterSet(django_filters.FilterSet):
    community = community_filter("community")
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    date = django_filters.DateFilter(label=_("Date"))
    year = YearFilter(field_name="date", lookup_expr="year", label=_("Year"))

    class Meta:
        model = NeedSurvey
        fields = ["community", "channel", "date", "year"]


class NeedsListFilterSet(django_filters.FilterSet):
    community_type = type_filter("community_type")
    year = YearFilter(label=_("Year"))
    state = django_filters.ChoiceFilter(choices=NeedsList.State.choices, label=_("State"))

    class Meta:
        model = NeedsList
        fields = ["community_type", "year", "state"]
