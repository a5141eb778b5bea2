"""The needs FilterSet, shared by the needs list page, its exports and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.filters import TownChoiceFilter
from communities.models import CommunityType

from .models import Domain, Need


class CodeOrIdFilter(django_filters.CharFilter):
    """A related object given by its id or by its code."""

    def __init__(self, *args, code_field: str, id_field: str, code_pattern=None, **kwargs):
        self.code_field, self.id_field, self.code_pattern = code_field, id_field, code_pattern
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        if self.code_pattern and self.code_pattern(value):
            return qs.filter(**{self.code_field: value})
        if value.isdigit():
            return qs.filter(**{self.id_field: int(value)})
        return qs.filter(**{self.code_field: value})


class NeedFilterSet(django_filters.FilterSet):
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
    domain = django_filters.ChoiceFilter(
        field_name="category__domain", choices=Domain.choices, label=_("Domain")
    )
    category = CodeOrIdFilter(code_field="category__code", id_field="category_id", label=_("Category"))
    status = django_filters.ChoiceFilter(choices=Need.Status.choices, label=_("Status"))
    urgent = django_filters.BooleanFilter(label=_("Urgent"))
    year = django_filters.NumberFilter(field_name="raised_on", lookup_expr="year", label=_("Year"))
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
