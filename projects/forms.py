from django import forms
from django.utils.translation import gettext_lazy as _

from communities.access import visible_towns
from communities.forms import style_fields

from .models import DecisionDay, ProgressUpdate, Project, Resource


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
        style_fields(self)

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
        self.fields["town"].queryset = visible_towns(user)
        self.fields["community"].queryset = communities.select_related("town")
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
        self.fields["community"].queryset = communities.select_related("town")
        self.fields["community"].label_from_instance = lambda c: f"{c.town.name} · {c.name}"
        style_fields(self)


class ProgressForm(forms.ModelForm):
    class Meta:
        model = ProgressUpdate
        fields = ["date", "percent", "text", "attachment"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}), "text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
        self.fields["attachment"].widget.attrs["accept"] = ".jpg,.jpeg,.png,.pdf"


class AcceptForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Residents' satisfaction"), choices=[(i, str(i)) for i in range(5, 0, -1)], coerce=int,
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    verdict = forms.ChoiceField(
        label=_("Residents' verdict"),
        choices=Project.Verdict.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    verdict_note = forms.CharField(
        label=_("Supervision note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    is_excellent = forms.BooleanField(
        label=_("Excellent governance case"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
