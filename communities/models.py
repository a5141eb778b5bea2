"""The community registry: towns, the eight community types, communities,
co-building units and who works where (memberships)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.inputs import NOTE_MAX, TEXT_MAX, text_limit, validate_plan_date, validate_year

# A community must keep at least this many co-building units (共建单位) in its alliance.
MIN_CO_BUILDING_UNITS = 4

town_code_validator = RegexValidator(
    r"^\d{9}$", _("A town code is the 9-digit statistical code, e.g. 320585100.")
)
community_code_validator = RegexValidator(
    r"^\d{12}$", _("A community code is the 12-digit statistical code, e.g. 320585100001.")
)


class Area(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class Town(models.Model):
    """A town (镇), street office (街道) or development zone (开发区) of the city."""

    class Kind(models.TextChoices):
        TOWN = "town", _("Town")
        STREET = "street", _("Street office")
        ZONE = "zone", _("Development zone")

    code = models.CharField(_("code"), max_length=9, unique=True, validators=[town_code_validator])
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TOWN)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("town / street")
        verbose_name_plural = _("towns / streets")
        ordering = ["code"]

    def __str__(self):
        return self.name


def is_english() -> bool:
    return (get_language() or "").startswith("en")


class BilingualName:
    """Reference data named in Chinese (``name``) and English (``name_en``)."""

    @property
    def label(self) -> str:
        """The name in the active language."""
        return self.name_en if is_english() else self.name


class CommunityType(BilingualName, models.Model):
    """One of the eight community types (社区类型) with its governance goal (治理目标).

    Reference data loaded from fixtures/community_types.json; ``code`` is stable
    and used in the API, imports and fixtures.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=30, unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    area = models.CharField(_("area"), max_length=10, choices=Area.choices)
    goal = models.CharField(_("governance goal"), max_length=30)
    goal_en = models.CharField(_("English goal"), max_length=80)
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("community type")
        verbose_name_plural = _("community types")
        ordering = ["order", "code"]

    def __str__(self):
        return self.label

    @property
    def goal_label(self) -> str:
        return self.goal_en if is_english() else self.goal


class PilotLevel(models.TextChoices):
    CITY = "city", _("City-level pilot")
    TOWN = "town", _("Town-level pilot")


class CommunityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_archived=False)

    def with_unit_count(self):
        """Annotate ``unit_count``: co-building units currently in the alliance."""
        return self.annotate(
            unit_count=models.Count("alliances", filter=Q(alliances__ended_on__isnull=True), distinct=True)
        )


class Community(models.Model):
    """A village or urban community (村/社区), classified into one community type."""

    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        validators=[community_code_validator],
        help_text=_("12-digit statistical code."),
        error_messages={"unique": _("A community with this code already exists.")},
    )
    name = models.CharField(_("name"), max_length=50)
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="communities", verbose_name=_("town / street")
    )
    type = models.ForeignKey(
        CommunityType,
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("community type"),
    )
    # The largest communities have some tens of thousands of residents.
    households = models.PositiveIntegerField(
        _("households"), null=True, blank=True, validators=[MaxValueValidator(500_000)]
    )
    population = models.PositiveIntegerField(
        _("population"), null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )
    area_km2 = models.DecimalField(
        _("area (km²)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    living_pattern = models.TextField(
        _("living pattern (居住特点)"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    population_makeup = models.TextField(
        _("population make-up (人群特征)"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    economic_structure = models.TextField(
        _("economic structure (经济结构)"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    development_traits = models.TextField(
        _("development traits (发展特质)"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    pilot_year = models.PositiveSmallIntegerField(
        _("pilot year"),
        null=True,
        blank=True,
        validators=[validate_year],
    )
    pilot_level = models.CharField(_("pilot level"), max_length=10, choices=PilotLevel.choices, blank=True)
    model_year = models.PositiveSmallIntegerField(
        _("model community since"),
        null=True,
        blank=True,
        validators=[validate_year],
        help_text=_("Year designated a model community (典范社区); empty if not."),
    )
    has_party_committee = models.BooleanField(_("big party committee established (大党委)"), default=False)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = CommunityQuerySet.as_manager()

    # Fields that town staff may edit for their own town's communities; the rest
    # (code, name, town, type, pilot and model designations, archiving) is the
    # city's to decide.
    PROFILE_FIELDS = (
        "households",
        "population",
        "area_km2",
        "living_pattern",
        "population_makeup",
        "economic_structure",
        "development_traits",
        "has_party_committee",
    )

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["town__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "name"],
                name="community_name_unique_in_town",
                violation_error_message=_("This town already has a community with this name."),
            ),
            models.CheckConstraint(
                condition=Q(pilot_year__isnull=True) | ~Q(pilot_level=""),
                name="community_pilot_level_with_year",
                violation_error_message=_("A pilot community needs a pilot level."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # The constraints below hold in the database; these checks say the same
        # thing beside the field the user has to fix.
        errors = {}
        if self.pilot_year is not None and not self.pilot_level:
            errors["pilot_level"] = _("A pilot community needs a pilot level.")
        if (
            self.town_id
            and self.name
            and Community.objects.filter(town_id=self.town_id, name=self.name).exclude(pk=self.pk).exists()
        ):
            errors["name"] = _("This town already has a community with this name.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_model(self) -> bool:
        return self.model_year is not None

    @property
    def area(self) -> str:
        return self.type.area


class Reclassification(models.Model):
    """A change of a community's type (重新分类): who, when, from, to and why."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="reclassifications",
        verbose_name=_("community"),
    )
    from_type = models.ForeignKey(
        CommunityType, on_delete=models.PROTECT, related_name="+", verbose_name=_("from type")
    )
    to_type = models.ForeignKey(
        CommunityType, on_delete=models.PROTECT, related_name="+", verbose_name=_("to type")
    )
    reason = models.TextField(_("reason"), max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("reclassification")
        verbose_name_plural = _("reclassifications")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_type=models.F("to_type")),
                name="reclassification_changes_type",
                violation_error_message=_("The new type must differ from the current one."),
            )
        ]

    def __str__(self):
        return f"{self.community}: {self.from_type} → {self.to_type}"


class CoBuildingUnit(models.Model):
    """A co-building unit (共建单位): an enterprise, school, hospital or office that
    supports communities under an agreement."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government department")
        PUBLIC_INSTITUTION = "institution", _("Public institution")
        STATE_ENTERPRISE = "state_enterprise", _("State-owned enterprise")
        PRIVATE_ENTERPRISE = "private_enterprise", _("Private enterprise")
        SOCIAL_ORGANISATION = "social_org", _("Social organisation")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("co-building unit")
        verbose_name_plural = _("co-building units")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Alliance(models.Model):
    """A co-building unit's membership in a community's co-building alliance (共建联盟)."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="alliances", verbose_name=_("community")
    )
    unit = models.ForeignKey(
        CoBuildingUnit,
        on_delete=models.PROTECT,
        related_name="alliances",
        verbose_name=_("co-building unit"),
    )
    since = models.DateField(_("since"), validators=[validate_plan_date])
    ended_on = models.DateField(_("ended on"), null=True, blank=True, validators=[validate_plan_date])
    agreement_note = models.TextField(
        _("agreement note"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alliance membership")
        verbose_name_plural = _("alliance memberships")
        ordering = ["since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "unit"],
                condition=Q(ended_on__isnull=True),
                name="alliance_one_current_per_unit",
                violation_error_message=_("This unit is already in the community's alliance."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("since")),
                name="alliance_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.community} – {self.unit}"


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    TOWN_STAFF = "town_staff", _("Town / street staff")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    VIEWER = "viewer", _("Viewer (read-only)")


class Membership(models.Model):
    """A user's role at a place: the city, one town or one community.

    A user's scope is the union of their memberships (see communities/access.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    town = models.ForeignKey(
        Town,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("town / street"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("community"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=["city_admin", "viewer"], town__isnull=True, community__isnull=True)
                    | Q(role="town_staff", town__isnull=False, community__isnull=True)
                    | Q(role="community_worker", town__isnull=True, community__isnull=False)
                ),
                name="membership_place_matches_role",
                violation_error_message=_(
                    "Town staff need a town, community workers a community, city admins and viewers neither."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(role__in=["city_admin", "viewer"]),
                name="membership_unique_citywide",
                violation_error_message=_("This user already has this role here."),
            ),
            models.UniqueConstraint(
                fields=["user", "town"],
                condition=Q(role="town_staff"),
                name="membership_unique_town",
                violation_error_message=_("This user already has this role here."),
            ),
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(role="community_worker"),
                name="membership_unique_community",
                violation_error_message=_("This user already has this role here."),
            ),
        ]

    def __str__(self):
        place = self.community or self.town
        return f"{self.user} · {self.get_role_display()}" + (f" · {place}" if place else "")
