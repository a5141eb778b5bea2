"""The one way to find a decision day, a resource, a resource category or a
project from what was typed (see ``core.lookups``)."""

from django.utils.translation import pgettext_lazy

from core.lookups import Resolver

from .models import DecisionDay, Project, Resource, ResourceCategory

DECISION_DAY = Resolver(DecisionDay, label=pgettext_lazy("kind of record", "decision day"))
RESOURCE = Resolver(Resource, label=pgettext_lazy("kind of record", "resource"))
RESOURCE_CATEGORY = Resolver(
    ResourceCategory,
    label=pgettext_lazy("kind of record", "resource category"),
    code_field="code",
    names=("name", "name_en"),
)
PROJECT = Resolver(Project, label=pgettext_lazy("kind of record", "project"))
