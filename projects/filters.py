"""FilterSets shared by the project and resource lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.filters import community_filter, town_filter, type_filter
from core.lookups import RefFilter, YearFilter
from needs.lookups import CATEGORY
from needs.models import ProblemCategory

from . import lookups
from .models import Project, Resource, ResourceCategory


class ProjectFilterSet(django_filters.FilterSet):
    year = YearFilter(label=_("Year"))
    town = town_filter("community__town")
    community = community_filter("community")
    type = type_filter("community__type")
    state = django_filters.ChoiceFilter(choices=Project.State.choices, label=_("State"))
    category = RefFilter(
        field_name="category",
        method="filter_category",
        resolver=CATEGORY,
        queryset=ProblemCategory.objects.all(),
        label=_("Category"),
    )
    excellent = django_filters.BooleanFilter(field_name="is_excellent", label=_("Excellent case"))
    q = django_filters.CharFilter(method="filter_q", label=_("Text"))

    class Meta:
        model = Project
        fields = ["year", "town", "community", "type", "state", "category", "excellent", "q"]

    def filter_category(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(pk__in=Project.objects.filter(needs__category=value).values("pk"))

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        return qs.filter(Q(title__icontains=value) | Q(summary__icontains=value)) if value else qs


class ResourceFilterSet(django_filters.FilterSet):
    category = RefFilter(
        field_name="category",
        resolver=lookups.RESOURCE_CATEGORY,
        queryset=ResourceCategory.objects.all(),
        label=_("Category"),
    )
    scope = django_filters.ChoiceFilter(
        field_name="level", choices=Resource.Level.choices, label=_("Available to")
    )
    town = town_filter("town")
    community = community_filter("community")
    active = django_filters.BooleanFilter(field_name="is_active", label=_("Active"))
    q = django_filters.CharFilter(method="filter_q", label=_("Text"))

    class Meta:
        model = Resource
        fields = ["category", "scope", "town", "community", "active", "q"]

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        return qs.filter(Q(name__icontains=value) | Q(capacity__icontains=value)) if value else qs
