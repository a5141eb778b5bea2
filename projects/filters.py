"""FilterSets shared by the project and resource lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.filters import TownChoiceFilter
from communities.models import CommunityType
from needs.filters import CodeOrIdFilter

from .models import Project, Resource


class ProjectFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    town = TownChoiceFilter(field_name="community__town", label=_("Town / street"))
    community = CodeOrIdFilter(
        code_field="community__code",
        id_field="community_id",
        code_pattern=lambda v: len(v) == 12 and v.isdigit(),
        label=_("Community"),
    )
    type = django_filters.ModelChoiceFilter(
        field_name="community__type",
        to_field_name="code",
        queryset=CommunityType.objects.all(),
        label=_("Community type"),
    )
    state = django_filters.ChoiceFilter(choices=Project.State.choices, label=_("State"))
    category = django_filters.CharFilter(method="filter_category", label=_("Category"))
    excellent = django_filters.BooleanFilter(field_name="is_excellent", label=_("Excellent case"))
    q = django_filters.CharFilter(method="filter_q", label=_("Text"))

    class Meta:
        model = Project
        fields = ["year", "town", "community", "type", "state", "category", "excellent", "q"]

    def filter_category(self, qs, name, value):
        value = (value or "").strip()
        if not value:
            return qs
        match = Q(needs__category__code=value) | (
            Q(needs__category_id=int(value)) if value.isdigit() else Q()
        )
        return qs.filter(pk__in=Project.objects.filter(match).values("pk"))

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        return qs.filter(Q(title__icontains=value) | Q(summary__icontains=value)) if value else qs


class ResourceFilterSet(django_filters.FilterSet):
    category = CodeOrIdFilter(code_field="category__code", id_field="category_id", label=_("Category"))
    scope = django_filters.ChoiceFilter(
        field_name="level", choices=Resource.Level.choices, label=_("Available to")
    )
    town = TownChoiceFilter(field_name="town", label=_("Town / street"))
    community = CodeOrIdFilter(
        code_field="community__code",
        id_field="community_id",
        code_pattern=lambda v: len(v) == 12 and v.isdigit(),
        label=_("Community"),
    )
    active = django_filters.BooleanFilter(field_name="is_active", label=_("Active"))
    q = django_filters.CharFilter(method="filter_q", label=_("Text"))

    class Meta:
        model = Resource
        fields = ["category", "scope", "town", "community", "active", "q"]

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        return qs.filter(Q(name__icontains=value) | Q(capacity__icontains=value)) if value else qs
