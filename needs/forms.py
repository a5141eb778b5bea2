from django import forms
from django.utils.translation import gettext_lazy as _

from communities.access import visible_communities
from core.forms import style_fields
from core.inputs import NOTE_MAX, TEXT_MAX, TITLE_MAX, validate_past_date, validate_plan_date, validate_year
from core.lookups import RefField

from .lookups import CATEGORY
from .models import EscalationDepartment, Need, NeedsList, NeedSurvey, ProblemCategory, mobile_validator


class CategoryField(RefField):
    """A category typed as its name, code, English name or pinyin initials (the
    page offers a searchable list of names). Shown by its name, never its code;
    what was typed stays in the box when the form comes back with errors."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(CATEGORY, queryset=ProblemCategory.objects.all(), **kwargs)

    def prepare_value(self, value):
        if isinstance(value, ProblemCategory):
            return value.label
        if isinstance(value, int):
            found = self.queryset.filter(pk=value).first()
            return found.label if found else ""
        return value

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        found = CATEGORY.resolve(data, self.queryset)
        initial_pk = initial.pk if isinstance(initial, ProblemCategory) else initial
        return found is None or found.pk != initial_pk


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

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    category = CategoryField(label=_("Category"))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=TEXT_MAX, widget=forms.TextInput
    )
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
            self.initial["category"] = self.instance.category
        style_fields(self)
        self.fields["category"].widget.attrs["list"] = "category-options"
        self.fields["category"].widget.attrs["autocomplete"] = "off"

    def validate_unique(self):
        pass  # the service validates the whole record


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class EscalateForm(forms.Form):
    """Pass a need to a town department: one of the town's list (offered as a
    datalist on the page, ``queries.escalation_departments``), or any other typed."""

    department = forms.CharField(label=_("Department"), max_length=100)
    due_on = forms.DateField(
        label=_("Due date"), validators=[validate_plan_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
        attrs = self.fields["department"].widget.attrs
        attrs["list"] = "department-options"
        attrs["autocomplete"] = "off"


class RespondForm(forms.Form):
    response = forms.CharField(
        label=_("Department's response"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    responded_on = forms.DateField(
        label=_("Response date"),
        validators=[validate_past_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class DepartmentForm(forms.ModelForm):
    """A department added to a town's list."""

    class Meta:
        model = EscalationDepartment
        fields = ["name", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def validate_unique(self):
        pass  # the service checks the name within the town


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
        validators=[validate_year],
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        from communities.models import CommunityType

        super().__init__(*args, **kwargs)
        self.fields["community_type"].queryset = CommunityType.objects.all()


class NeedsListEditForm(forms.Form):
    """A draft list's note, its items' notes (``note-<item id>``) and their order
    (``order``: every item id once, in the new order)."""

    list_note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX)

    def __init__(self, *args, needs_list: NeedsList, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_list = needs_list
        self.items = list(items)
        for item in self.items:
            self.fields[f"note-{item.pk}"] = forms.CharField(
                label=item.category.label, required=False, max_length=NOTE_MAX
            )
        self.fields["order"] = forms.TypedMultipleChoiceField(
            label=_("Order"),
            required=False,
            coerce=int,
            choices=[(str(item.pk), item.category.label) for item in self.items],
        )
        style_fields(self)  # the notes refuse control characters

    def clean(self):
        cleaned = super().clean()
        unknown = [key for key in self.data if key.startswith("note-") and key not in self.fields]
        if unknown:
            raise forms.ValidationError(_("An item does not belong to this list."), code="unknown_item")
        order = cleaned.get("order")
        if order and sorted(order) != sorted(item.pk for item in self.items):
            self.add_error("order", _("The new order must list every item of the list exactly once."))
        return cleaned

    def edits(self) -> dict:
        """The service's keyword arguments for what was sent."""
        return {
            "note": self.cleaned_data["list_note"] if "list_note" in self.data else None,
            "order": self.cleaned_data.get("order") or None,
            "item_notes": {
                item.pk: self.cleaned_data[f"note-{item.pk}"]
                for item in self.items
                if f"note-{item.pk}" in self.data
            },
        }
