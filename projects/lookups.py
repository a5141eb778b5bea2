"""The one way to find a decision day, a resource, a resource category or a
project from what was typed (see ``core.lookups``)."""

from django.utils.translation import gettext_lazy as _

from core.lookups import Resolver

from .models import DecisionDay, Project, Resource, ResourceCategory

DECISION_DAY = Resolver(DecisionDay, label=_("decision day"))
RESOURCE = Resolver(Resource, label=_("resource"))
RESOURCE_CATEGORY = Resolver(
    ResourceCategory, label=_("resource category"), code_field="code", names=("name", "name_en")
)
PROJECT = Resolver(Project, label=_("project"))
