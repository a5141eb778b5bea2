"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.lookups import RefFilter, YearFilter

from . import access, lookups
from .models import MIN_CO_BUILDING_UNITS, Area, Community, CommunityType


def _user_of(request):
    return getattr(request, "user", None)


def town_filter(field_name: str = "town") -> RefFilter:
    """A town by id, 9-digit code or name, among the user's towns."""
    return RefFilter(
        field_name=field_name,
        resolver=lookups.TOWN,
        queryset=lambda request: access.visible_towns(_user_of(request)),
        label=_("Town / street"),
    )


def community_filter(field_name: str = "community") -> RefFilter:
    """A community by id, 12-digit code or name, among the user's communities."""
    return RefFilter(
        field_name=field_name,
        resolver=lookups.COMMUNITY,
        queryset=lambda request: access.visible_communities(_user_of(request)),
        label=_("Community"),
    )


def type_filter(field_name: str = "type") -> RefFilter:
    """A community type by code or name."""
    return RefFilter(
        field_name=field_name,
        resolver=lookups.COMMUNITY_TYPE,
        queryset=CommunityType.objects.all(),
        label=_("Community type"),
    )


class CommunityFilterSet(django_filters.FilterSet):
    town = town_filter("town")
    type = type_filter("type")
    area = django_filters.ChoiceFilter(field_name="type__area", choices=Area.choices, label=_("Area"))
    pilot_year = YearFilter(label=_("Pilot year"))
    is_model = django_filters.BooleanFilter(method="filter_is_model", label=_("Model community"))
    few_units = django_filters.BooleanFilter(
        method="filter_few_units",
        label=_("Fewer than %(n)s co-building units") % {"n": MIN_CO_BUILDING_UNITS},
    )
    archived = django_filters.BooleanFilter(field_name="is_archived", label=_("Archived"))
    q = django_filters.CharFilter(method="filter_q", label=_("Name or code"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("town__code", "town"),
            ("type__order", "type"),
            ("households", "households"),
            ("population", "population"),
            ("pilot_year", "pilot_year"),
            ("unit_count", "units"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Community
        fields = ["town", "type", "area", "pilot_year", "is_model", "few_units", "archived", "q"]

    def filter_is_model(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(model_year__isnull=not value)

    def filter_few_units(self, qs, name, value):
        if value is None:
            return qs
        # Needs the ``unit_count`` annotation of queries.community_list.
        if value:
            return qs.filter(unit_count__lt=MIN_CO_BUILDING_UNITS)
        return qs.filter(unit_count__gte=MIN_CO_BUILDING_UNITS)

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(code__startswith=value))
