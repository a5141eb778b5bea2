"""The one way to find a shared-problem category, a survey or a need from what
was typed (see ``core.lookups``)."""

from django.utils.translation import pgettext_lazy

from core.lookups import Resolver

from .models import Need, NeedSurvey, ProblemCategory

# A category is typed as its code (street_lighting), its name (路灯照明), its
# English name or its pinyin initials (ldzm), as the entry form's list offers.
CATEGORY = Resolver(
    ProblemCategory,
    label=pgettext_lazy("kind of record", "category"),
    code_field="code",
    code_iexact=True,
    names=("name",),
    loose_names=("name_en", "initials"),
)
SURVEY = Resolver(NeedSurvey, label=pgettext_lazy("kind of record", "survey"))
NEED = Resolver(Need, label=pgettext_lazy("kind of record", "need"))
