from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from communities.access import visible_towns
from communities.lookups import COMMUNITY, TOWN
from core.forms import mark_invalid, style_fields
from core.inputs import NOTE_MAX, TEXT_MAX
from core.lookups import RefField

from .lookups import DECISION_DAY
from .models import DecisionDay, ProgressUpdate, Project, Resource


def limit_text(form, **limits) -> None:
    """A maximum length on text fields whose model field has only a validator (a
    TextField): the form refuses longer text and the box says how much fits."""
    for name, limit in limits.items():
        field = form.fields[name]
        field.max_length = limit
        field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)


class BoundStyledForm(forms.Form):
    """A small form of the project page: styled, its errors flagged beside the fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def full_clean(self):
        super().full_clean()
        mark_invalid(self)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "year", "title", "summary", "planned_start", "planned_end", "beneficiaries", "budget_total",
            "budget_city", "budget_town", "budget_community", "budget_charity", "budget_co_building",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_text(self, summary=TEXT_MAX)
        style_fields(self)

    def full_clean(self):
        super().full_clean()
        mark_invalid(self)

    def validate_unique(self):
        pass

    def validate_constraints(self, exclude=None):
        pass  # the service checks the whole record


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = [
            "name", "category", "provider", "level", "town", "community", "capacity",
            "capacity_amount", "capacity_unit", "contact", "is_active",
        ]  # fmt: skip

    def __init__(self, *args, user, communities, **kwargs):
        super().__init__(*args, **kwargs)
        # The one way to find a town or a community, inside the user's scope.
        self.fields["town"] = RefField(
            TOWN, queryset=visible_towns(user), required=False, label=self.fields["town"].label
        )
        self.fields["community"] = RefField(
            COMMUNITY,
            queryset=communities.select_related("town"),
            required=False,
            label=self.fields["community"].label,
        )
        self.fields["community"].label_from_instance = lambda c: f"{c.town.name} · {c.name}"
        style_fields(self)

    def validate_constraints(self, exclude=None):
        pass  # the service keeps only the place the level uses, then checks


class DecisionDayForm(forms.ModelForm):
    class Meta:
        model = DecisionDay
        fields = ["community", "date", "place", "kind"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = RefField(
            COMMUNITY, queryset=communities.select_related("town"), label=self.fields["community"].label
        )
        self.fields["community"].label_from_instance = lambda c: f"{c.town.name} · {c.name}"
        style_fields(self)


class ProgressForm(forms.ModelForm):
    class Meta:
        model = ProgressUpdate
        fields = ["date", "percent", "text", "attachment"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}), "text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_text(self, text=NOTE_MAX)
        style_fields(self)
        self.fields["attachment"].widget.attrs["accept"] = ".jpg,.jpeg,.png,.pdf"

    def full_clean(self):
        super().full_clean()
        mark_invalid(self)

    @property
    def file_lost(self) -> bool:
        """A file was chosen but the form is shown again: browsers cannot refill a
        file input, so the page asks for the file again."""
        return self.is_bound and bool(self.files.get(self.add_prefix("attachment"))) and bool(self.errors)


class AcceptForm(BoundStyledForm):
    """Residents' supervision of a completed project (群众监事)."""

    satisfaction = forms.TypedChoiceField(
        label=_("Residents' satisfaction"), choices=[(i, str(i)) for i in range(5, 0, -1)], coerce=int
    )
    verdict = forms.ChoiceField(label=_("Residents' verdict"), choices=Project.Verdict.choices)
    verdict_note = forms.CharField(
        label=_("Supervision note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_excellent = forms.BooleanField(label=_("Excellent governance case"), required=False)


class CompleteForm(BoundStyledForm):
    """The worker's report that the project is done, with what it achieved."""

    outcome = forms.CharField(
        label=_("What the project achieved"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(BoundStyledForm):
    """Town staff send a submission back to the community, saying why."""

    note = forms.CharField(label=_("Why it goes back to the community"), max_length=NOTE_MAX)


class ScheduleForm(BoundStyledForm):
    """Town staff put a submission on a coming decision day of its community."""

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        # Any day of the project's own community is found (a day held meanwhile is
        # refused with its reason); any other id, whoever's day it is, is unknown.
        days = DecisionDay.objects.filter(community_id=project.community_id)
        field = RefField(DECISION_DAY, queryset=days, label=_("Decision day"))
        coming = days.filter(state=DecisionDay.State.PLANNED, date__gte=timezone.localdate()).order_by("date")
        field.choices = [
            (d.pk, f"{date_format(d.date, 'DATE_FORMAT')} · {d.place} · {d.get_kind_display()}")
            for d in coming
        ] or [("", _("No decision day planned yet"))]
        self.fields["decision_day"] = field
        style_fields(self)
