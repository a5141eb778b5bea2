from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from core.forms import style_fields
from core.inputs import NOTE_MAX

from . import access
from .models import Alliance, CoBuildingUnit, Community, CommunityType, Membership, Role, Town


class CommunityForm(forms.ModelForm):
    """Create (city admin) or edit a community; the fields offered follow the user."""

    class Meta:
        model = Community
        fields = [
            "code",
            "name",
            "town",
            "type",
            "households",
            "population",
            "area_km2",
            "living_pattern",
            "population_makeup",
            "economic_structure",
            "development_traits",
            "pilot_year",
            "pilot_level",
            "model_year",
            "has_party_committee",
        ]
        widgets = {
            f: forms.Textarea(attrs={"rows": 2})
            for f in ("living_pattern", "population_makeup", "economic_structure", "development_traits")
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The type changes only through reclassification, which keeps its history.
            allowed = set(access.editable_profile_fields(user, self.instance))
            for name in list(self.fields):
                if name not in allowed:
                    del self.fields[name]
        if "town" in self.fields:
            self.fields["town"].queryset = access.visible_towns(user)
        style_fields(self)


class ReclassifyForm(forms.Form):
    to_type = forms.ModelChoiceField(
        CommunityType.objects.all(), label=_("New type"), widget=forms.Select(attrs={"class": "form-select"})
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    expected_type = forms.ModelChoiceField(CommunityType.objects.all(), widget=forms.HiddenInput)


class AllianceForm(forms.ModelForm):
    class Meta:
        model = Alliance
        fields = ["unit", "since", "agreement_note"]
        widgets = {
            "unit": forms.Select(attrs={"class": "form-select"}),
            "since": forms.DateInput(attrs={"type": "date", "class": "form-control"}),
            "agreement_note": forms.TextInput(attrs={"class": "form-control"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = CoBuildingUnit.objects.filter(is_active=True)
        style_fields(self)


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        label=_("Username"),
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    full_name = forms.CharField(
        max_length=150,
        required=False,
        label=_("Full name"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    email = forms.EmailField(
        required=False, label=_("Email"), widget=forms.EmailInput(attrs={"class": "form-control"})
    )
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("A user with this username already exists."))
        return username

    def clean_password(self):
        password = self.cleaned_data["password"]
        # The new user as typed, so that a password too close to the username,
        # the name or the email is refused like a common one.
        candidate = get_user_model()(
            username=self.cleaned_data.get("username", ""),
            first_name=self.cleaned_data.get("full_name", ""),
            email=self.cleaned_data.get("email", ""),
        )
        password_validation.validate_password(password, user=candidate)
        return password


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "town", "community"]
        widgets = {
            "role": forms.Select(attrs={"class": "form-select"}),
            "town": forms.Select(attrs={"class": "form-select"}),
            "community": forms.Select(attrs={"class": "form-select"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Town.objects.all()
        self.fields["community"].queryset = Community.objects.filter(is_archived=False).select_related("town")
        self.fields["community"].label_from_instance = lambda c: f"{c.town.name} · {c.name}"

    def clean(self):
        data = super().clean()
        role, town, community = data.get("role"), data.get("town"), data.get("community")
        if role == Role.TOWN_STAFF and not town:
            self.add_error("town", _("Town staff need a town."))
        if role == Role.COMMUNITY_WORKER and not community:
            self.add_error("community", _("Community workers need a community."))
        # Keep only the place the role uses, so a stray choice cannot widen scope.
        if role in (Role.CITY_ADMIN, Role.VIEWER):
            data["town"] = data["community"] = None
        elif role == Role.TOWN_STAFF:
            data["community"] = None
        elif role == Role.COMMUNITY_WORKER:
            data["town"] = None
        return data

    def validate_unique(self):
        # Uniqueness is checked by the service with the acting user.
        pass

    def validate_constraints(self, exclude=None):
        pass
