"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import MIN_CO_BUILDING_UNITS, Area, Community, CommunityType


class TownChoiceFilter(django_filters.CharFilter):
    """A town given by its id or by its 9-digit code."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        value = str(value).strip()
        if len(value) == 9 and value.isdigit():
            return qs.filter(**{f"{self.field_name}__code": value})
        if value.isdigit():
            return qs.filter(**{f"{self.field_name}_id": int(value)})
        return qs.none()


class CommunityFilterSet(django_filters.FilterSet):
    town = TownChoiceFilter(field_name="town", label=_("Town / street"))
    type = django_filters.ModelChoiceFilter(
        field_name="type",
        to_field_name="code",
        queryset=CommunityType.objects.all(),
        label=_("Community type"),
    )
    area = django_filters.ChoiceFilter(field_name="type__area", choices=Area.choices, label=_("Area"))
    pilot_year = django_filters.NumberFilter(label=_("Pilot year"))
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
