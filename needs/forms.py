from django import forms
from django.utils.translation import gettext_lazy as _

from communities.access import visible_communities
from core.forms import style_fields

from .models import Need, NeedSurvey, ProblemCategory, mobile_validator


class CategoryField(forms.CharField):
    """A category typed as its code or its name (the page offers a searchable list)."""

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        category = (
            ProblemCategory.objects.filter(code__iexact=value).first()
            or ProblemCategory.objects.filter(name=value).first()
        )
        if category is None:
            raise forms.ValidationError(
                _("Unknown category “%(value)s”: pick one from the list."), params={"value": value}
            )
        if not category.is_active:
            raise forms.ValidationError(_("This category is no longer in use."))
        return category


class SurveyForm(forms.ModelForm):
    class Meta:
        model = NeedSurvey
        fields = ["community", "date", "channel", "participants", "notes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = (
            visible_communities(user, include_archived=False)
            .select_related("town")
            .order_by("town__code", "code")
        )
        self.fields["community"].label_from_instance = lambda c: f"{c.town.name} · {c.name}"
        style_fields(self)


class NeedEntryForm(forms.Form):
    """One row of the survey page: a need typed in a hurry, checked at once."""

    title = forms.CharField(label=_("Title"), max_length=100)
    category = CategoryField(label=_("Category"))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.TextInput)
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    resident_name = forms.CharField(label=_("Resident's name"), max_length=50, required=False)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
        for field in self.fields.values():
            field.widget.attrs.setdefault("placeholder", field.label)
            field.widget.attrs["class"] += (
                " form-control-sm" if "form-control" in field.widget.attrs["class"] else ""
            )
        self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["category"].widget.attrs["list"] = "category-options"
        self.fields["category"].widget.attrs["autocomplete"] = "off"
        self.fields["category"].widget.attrs["placeholder"] = _("Category: name, code or pinyin initials")

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"].replace(" ", "").replace("-", "")
        if mobile:
            mobile_validator(mobile)
        return mobile

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class NeedForm(forms.ModelForm):
    """Correct a need's details."""

    category = CategoryField(label=_("Category"))

    class Meta:
        model = Need
        fields = [
            "raised_on",
            "channel",
            "title",
            "category",
            "description",
            "urgent",
            "location",
            "resident_name",
            "mobile",
        ]
        widgets = {
            "raised_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The page speaks names (the picker's values), not codes.
            self.initial["category"] = self.instance.category.name
        style_fields(self)
        self.fields["category"].widget.attrs["list"] = "category-options"

    def validate_unique(self):
        pass  # the service validates the whole record


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )


class EscalateForm(forms.Form):
    department = forms.CharField(
        label=_("Department"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    due_on = forms.DateField(
        label=_("Due date"),
        # An <input type=date> takes only ISO dates, whatever the page's language.
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class RespondForm(forms.Form):
    response = forms.CharField(
        label=_("Department's response"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
    responded_on = forms.DateField(
        label=_("Response date"),
        # An <input type=date> takes only ISO dates, whatever the page's language.
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )


class CompileForm(forms.Form):
    community_type = forms.ModelChoiceField(
        queryset=None, label=_("Community type"), widget=forms.Select(attrs={"class": "form-select"})
    )
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        from communities.models import CommunityType

        super().__init__(*args, **kwargs)
        self.fields["community_type"].queryset = CommunityType.objects.all()
