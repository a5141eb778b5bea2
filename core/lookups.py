"""One way to find a record from what a person or client typed.

Each kind of reference (a community, a town, a category, a decision day…) has
one ``Resolver`` in its app's ``lookups.py``. Filters, serializer fields, form
fields, the importers and the views all ask it, so an id, a code or a name
means the same everywhere, and any malformed value (``²``, ``1e3``, a NUL, a
100-digit number) is simply "not found": a field error or a 404, never a 500.

Resolvers always search inside a queryset the caller passes (the user's
scope), so a record outside it answers exactly as a record that does not exist.
"""

import re

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .inputs import REF_MAX, parse_id


class Resolver:
    """Finds one record of a model by id, by code or by name, in that order.

    ``code_pattern``: a regular expression a code matches in full; a value that
    matches is looked up as a code only (a 12-digit community code is never an
    id). Without a pattern, codes are tried after ids. ``names``: fields whose
    exact value names one record; ``loose_names``: fields matched ignoring case
    (pinyin initials typed as LDZM or ldzm). A name shared by several records
    finds none.
    """

    def __init__(
        self,
        model,
        *,
        label,
        code_field: str | None = None,
        code_pattern: str | None = None,
        code_iexact: bool = False,
        names: tuple[str, ...] = (),
        loose_names: tuple[str, ...] = (),
        by_id: bool = True,
    ):
        self.model = model
        self.label = label
        self.code_field = code_field
        self.code_pattern = re.compile(code_pattern) if code_pattern else None
        self.code_iexact = code_iexact
        self.names = names
        self.loose_names = loose_names
        self.by_id = by_id

    @staticmethod
    def clean(value) -> str | None:
        """The reference as text, or None when it cannot be one."""
        if value is None or isinstance(value, bool | list | dict):
            return None
        text = str(value).strip()
        if not text or len(text) > REF_MAX or any(ord(c) < 32 for c in text):
            return None
        return text

    def steps(self, text: str) -> list[tuple[str, object, bool]]:
        """The lookups to try for this text, first match wins: (field, value,
        ignoring case). Shared by ``resolve`` and ``ResolverIndex``."""
        if self.code_field and self.code_pattern and self.code_pattern.fullmatch(text):
            return [(self.code_field, text, self.code_iexact)]
        tries = []
        pk = parse_id(text) if self.by_id else None
        if pk is not None:
            tries.append(("pk", pk, False))
        if self.code_field and self.code_pattern is None:
            tries.append((self.code_field, text, self.code_iexact))
        tries.extend((name, text, False) for name in self.names)
        tries.extend((name, text, True) for name in self.loose_names)
        return tries

    def attempts(self, text: str) -> list[Q]:
        return [
            Q(**{f"{field}__iexact" if loose else field: value}) for field, value, loose in self.steps(text)
        ]

    def fields(self) -> list[tuple[str, bool]]:
        """The fields a reference may name, with whether case is ignored."""
        code = [(self.code_field, self.code_iexact)] if self.code_field else []
        return code + [(n, False) for n in self.names] + [(n, True) for n in self.loose_names]

    def resolve(self, value, queryset=None):
        """The one record ``value`` names inside ``queryset``, or None."""
        text = self.clean(value)
        if text is None:
            return None
        qs = queryset if queryset is not None else self.model._default_manager.all()
        for q in self.attempts(text):
            found = list(qs.filter(q)[:2])
            if len(found) == 1:
                return found[0]
            if found:
                return None  # a name shared by several records names none of them
        return None

    def get_or_404(self, value, queryset=None):
        found = self.resolve(value, queryset)
        if found is None:
            raise Http404
        return found

    def unknown(self, value) -> ValidationError:
        shown = self.clean(value) or ""
        return ValidationError(
            _("Unknown %(kind)s “%(value)s”."),
            code="unknown",
            params={"kind": self.label, "value": shown[:40]},
        )


class ResolverIndex:
    """A resolver's rules applied to records loaded once, for callers that look up
    thousands of references at a time (a spreadsheet's rows) with a fixed number
    of queries. Give it the same scoped queryset the single lookups would use."""

    def __init__(self, resolver: Resolver, queryset):
        self.resolver = resolver
        self.by_pk = {}
        self.loose = dict(resolver.fields())
        self.by_field: dict[str, dict[str, list]] = {field: {} for field in self.loose}
        for record in queryset:
            self.by_pk[record.pk] = record
            for field in self.loose:
                value = getattr(record, field)
                if value not in (None, ""):
                    self.by_field[field].setdefault(self._key(field, str(value)), []).append(record)

    def _key(self, field: str, text: str) -> str:
        return text.casefold() if self.loose[field] else text

    def candidates(self, value) -> list:
        """The records the first matching attempt finds: none, one, or several
        (a name shared by several records, which ``resolve`` treats as none)."""
        text = self.resolver.clean(value)
        if text is None:
            return []
        for field, key, _loose in self.resolver.steps(text):
            if field == "pk":
                found = [self.by_pk[key]] if key in self.by_pk else []
            else:
                found = self.by_field[field].get(self._key(field, key), [])
            if found:
                return list(found)
        return []

    def resolve(self, value):
        """The one record ``value`` names, or None (as ``Resolver.resolve``)."""
        found = self.candidates(value)
        return found[0] if len(found) == 1 else None


class RefField(forms.ModelChoiceField):
    """A form field for a record given by id, code or name (a select or a text box)."""

    def __init__(self, resolver: Resolver, queryset=None, **kwargs):
        self.resolver = resolver
        kwargs.pop("to_field_name", None)
        super().__init__(
            queryset=queryset if queryset is not None else resolver.model._default_manager.all(), **kwargs
        )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            value = value.pk
        found = self.resolver.resolve(value, self.queryset)
        if found is None:
            raise self.resolver.unknown(value)
        return found

    def validate(self, value):
        forms.Field.validate(self, value)


@extend_schema_field(OpenApiTypes.STR)
class RefFilter(django_filters.ModelChoiceFilter):
    """A filter on a related record given by id, code or name; an unknown value is
    a field error (400 in the API), never a silent empty list. ``queryset`` may be
    a callable taking the request, to search the user's scope only."""

    field_class = RefField

    def __init__(self, *args, resolver: Resolver, **kwargs):
        kwargs.setdefault("queryset", resolver.model._default_manager.all())
        super().__init__(*args, resolver=resolver, **kwargs)

    def get_queryset(self, request):
        if request is None and callable(self.queryset):
            # A scoped filter without the request would search nobody's scope.
            raise ImproperlyConfigured(
                "Pass request=request to the FilterSet: %s is scoped to the user." % self.field_name
            )
        return super().get_queryset(request)


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.CharFilter):
    """A year within the programme's range; anything else is a field error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "exact")
        super().__init__(*args, **kwargs)
        self.extra["validators"] = [_validate_year_text]

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return super().filter(qs, int(value))


def _validate_year_text(value):
    from .inputs import first_year, last_year, parse_year

    if value not in (None, "") and parse_year(value) is None:
        raise ValidationError(
            _("Give a year from %(first)s to %(last)s."),
            code="year_range",
            params={"first": first_year(), "last": last_year()},
        )


class RefSerializerField(serializers.RelatedField):
    """An API field for a record given by id, code or name; answered as its id
    (``represent="pk"``) or its code (``represent="code"``). ``queryset`` may be a
    callable taking the request, to search the user's scope only."""

    def __init__(self, resolver: Resolver, *, represent: str = "pk", queryset=None, **kwargs):
        self.resolver, self.represent, self.scoped = resolver, represent, None
        if callable(queryset) and not hasattr(queryset, "model"):
            self.scoped, queryset = queryset, resolver.model._default_manager.all()
        if not kwargs.get("read_only"):
            kwargs["queryset"] = queryset if queryset is not None else resolver.model._default_manager.all()
        super().__init__(**kwargs)

    def get_queryset(self):
        if self.scoped is not None:
            return self.scoped(self.context["request"])
        return super().get_queryset()

    def to_internal_value(self, data):
        found = self.resolver.resolve(data, self.get_queryset())
        if found is None:
            raise serializers.ValidationError(self.resolver.unknown(data).messages[0])
        return found

    def to_representation(self, value):
        if self.represent == "pk":
            return value.pk
        return getattr(value, self.resolver.code_field)

    def use_pk_only_optimization(self):
        return self.represent == "pk"


class RefSerializerFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI: an id (integer) or a code/name (string) in; the id or the code out."""

    target_class = RefSerializerField
    # Apps narrow the field (a scope, a default queryset) in subclasses; same schema.
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        out = {"type": "integer"} if self.target.represent == "pk" else {"type": "string"}
        if direction == "response":
            return out
        return {"oneOf": [{"type": "integer"}, {"type": "string"}]}
