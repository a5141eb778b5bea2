"""The needs FilterSet, shared by the needs list page, its exports and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.filters import community_filter, town_filter, type_filter
from core.lookups import RefFilter, YearFilter

from . import lookups
from .models import Domain, Need, ProblemCategory


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
    q = django_filters.CharFilter(method="filter_q", label=_("Text"))

    class Meta:
        model = Need
        fields = ["town", "community", "type", "domain", "category", "status", "urgent", "year", "q"]

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | Q(location__icontains=value)
        )
