"""Resources, governance projects and their five-step path (五事协商), and the
democratic decision days that decide them."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from communities.models import BilingualName, CoBuildingUnit, Community, Town
from core.formats import amount
from core.inputs import (
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    text_limit,
    validate_past_date,
    validate_plan_date,
    validate_year,
)
from needs.models import Need, ProblemCategory

money = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class ResourceCategory(BilingualName, models.Model):
    """One of the nine categories of resources (资源类别), internal or external."""

    class Origin(models.TextChoices):
        INTERNAL = "internal", _("Internal (内生)")
        EXTERNAL = "external", _("External (外部)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=30, unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("resource category")
        verbose_name_plural = _("resource categories")
        ordering = ["order", "code"]

    def __str__(self):
        return self.label


class CategoryAffinity(models.Model):
    """How well a resource category answers a problem category (for matching)."""

    problem_category = models.ForeignKey(
        ProblemCategory,
        on_delete=models.CASCADE,
        related_name="affinities",
        verbose_name=_("problem category"),
    )
    resource_category = models.ForeignKey(
        ResourceCategory,
        on_delete=models.CASCADE,
        related_name="affinities",
        verbose_name=_("resource category"),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("1 helps, 2 fits, 3 fits best."),
    )

    class Meta:
        verbose_name = _("category affinity")
        verbose_name_plural = _("category affinities")
        constraints = [
            models.UniqueConstraint(fields=["problem_category", "resource_category"], name="affinity_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=3), name="affinity_weight_range"),
        ]

    def __str__(self):
        return f"{self.problem_category} ↔ {self.resource_category} ({self.weight})"


class Resource(models.Model):
    """A resource (资源) a project can draw on, available to the whole city, one
    town or one community."""

    class Level(models.TextChoices):
        CITY = "city", _("Whole city")
        TOWN = "town", _("One town")
        COMMUNITY = "community", _("One community")

    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        ResourceCategory, on_delete=models.PROTECT, related_name="resources", verbose_name=_("category")
    )
    provider = models.ForeignKey(
        CoBuildingUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("provided by (co-building unit)"),
    )
    level = models.CharField(_("available to"), max_length=10, choices=Level.choices)
    town = models.ForeignKey(
        Town,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("town / street"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("community"),
    )
    capacity = models.CharField(
        _("capacity"), max_length=200, blank=True, help_text=_("e.g. 20 volunteers, 120 m²")
    )
    capacity_amount = models.DecimalField(_("capacity (number)"), null=True, blank=True, **money)
    capacity_unit = models.CharField(_("unit"), max_length=20, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["category__order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level="city", town__isnull=True, community__isnull=True)
                    | Q(level="town", town__isnull=False, community__isnull=True)
                    | Q(level="community", town__isnull=True, community__isnull=False)
                ),
                name="resource_place_matches_level",
                violation_error_message=_(
                    "A town-wide resource needs its town, a community's resource its community, a city-wide one neither."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def capacity_display(self) -> str:
        """What the resource offers as people write it: the number formatted
        (500,000 元, never 500000), with the free description where it says more."""
        if self.capacity_amount is None:
            return self.capacity
        shown = f"{amount(self.capacity_amount)} {self.capacity_unit}".strip()
        typed = re.sub(r"[\s,，]", "", self.capacity or "")
        number = self.capacity_amount
        plain = {
            f"{n}{self.capacity_unit}" for n in (f"{number:f}", f"{number.normalize():f}", f"{number:.2f}")
        }
        if not typed or typed in plain:
            return shown
        return f"{shown}（{self.capacity}）"


class DecisionDay(models.Model):
    """A democratic decision day (民主决策日) of one community: a dated meeting
    whose agenda items (proposed projects) residents deliberate and vote on."""

    class Kind(models.TextChoices):
        VILLAGERS_ASSEMBLY = "villagers_assembly", _("Villagers' assembly (村民会议)")
        VILLAGERS_REPRESENTATIVES = (
            "villagers_representatives",
            _("Villagers' representative meeting (村民代表会议)"),
        )
        RESIDENTS_ASSEMBLY = "residents_assembly", _("Residents' assembly (居民会议)")
        RESIDENTS_REPRESENTATIVES = (
            "residents_representatives",
            _("Residents' representative meeting (居民代表会议)"),
        )

    class State(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("decision day", "Planned")
        HELD = "held", _("Held")
        FINALISED = "finalised", _("Finalised")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="decision_days", verbose_name=_("community")
    )
    date = models.DateField(_("date"), validators=[validate_plan_date])
    place = models.CharField(_("place"), max_length=200)
    kind = models.CharField(_("kind of meeting"), max_length=30, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision day")
        verbose_name_plural = _("decision days")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.community} · {date_format(self.date, 'DATE_FORMAT')}"


class Project(models.Model):
    """A governance project (治理项目): a community's answer to some of its needs,
    backed by resources, decided on a decision day, carried out and checked."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        SCHEDULED = "scheduled", _("On a decision day's agenda")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        DEFERRED = "deferred", _("Deferred")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        ACCEPTED = "accepted", _("Accepted by residents")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Verdict(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
        NOT_SATISFIED = "not_satisfied", _("Not satisfied")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="projects", verbose_name=_("community")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[validate_year])
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), validators=[text_limit(TEXT_MAX)])
    needs = models.ManyToManyField(
        Need, related_name="projects", blank=True, verbose_name=_("needs answered")
    )
    budget_total = models.DecimalField(_("total budget (yuan)"), default=Decimal("0"), **money)
    budget_city = models.DecimalField(_("from the city"), default=Decimal("0"), **money)
    budget_town = models.DecimalField(_("from the town"), default=Decimal("0"), **money)
    budget_community = models.DecimalField(_("from the community"), default=Decimal("0"), **money)
    budget_charity = models.DecimalField(_("from charity"), default=Decimal("0"), **money)
    budget_co_building = models.DecimalField(_("from co-building units"), default=Decimal("0"), **money)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    planned_start = models.DateField(
        _("planned start"), null=True, blank=True, validators=[validate_plan_date]
    )
    planned_end = models.DateField(_("planned end"), null=True, blank=True, validators=[validate_plan_date])
    beneficiaries = models.PositiveIntegerField(_("beneficiaries"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    decision_day = models.ForeignKey(
        DecisionDay,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("decision day"),
    )
    outcome = models.TextField(_("outcome"), blank=True, validators=[text_limit(TEXT_MAX)])
    satisfaction = models.PositiveSmallIntegerField(
        _("residents' satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    verdict = models.CharField(_("residents' verdict"), max_length=20, choices=Verdict.choices, blank=True)
    verdict_note = models.TextField(_("supervision note"), blank=True, validators=[text_limit(NOTE_MAX)])
    is_excellent = models.BooleanField(_("excellent governance case (优秀治理案例)"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[needs])

    class Meta:
        verbose_name = _("governance project")
        verbose_name_plural = _("governance projects")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["community", "year"], name="project_community_year")]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_end_after_start",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="project_satisfaction_range",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def budget_by_source(self) -> Decimal:
        return (
            self.budget_city
            + self.budget_town
            + self.budget_community
            + self.budget_charity
            + self.budget_co_building
        )


class ProjectResource(models.Model):
    """A resource a project uses, with what is committed and for what role."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="resource_links", verbose_name=_("project")
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="project_links", verbose_name=_("resource")
    )
    committed_amount = models.DecimalField(_("committed amount"), null=True, blank=True, **money)
    role = models.CharField(_("role in the project"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("resource of a project")
        verbose_name_plural = _("resources of projects")
        constraints = [
            models.UniqueConstraint(fields=["project", "resource"], name="project_resource_unique")
        ]

    def __str__(self):
        return f"{self.project} · {self.resource}"


class ProjectEvent(models.Model):
    """One step on a project's path: who moved it from which state to which, when, why."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("project")
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=12, choices=Project.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=Project.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True, validators=[text_limit(NOTE_MAX)])

    class Meta:
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.project}: {self.get_from_state_display() or '—'} → {self.get_to_state_display()}"

    @property
    def action_label(self) -> str:
        """The step as people name it (提交, 列入民主决策日…), never its code."""
        from .workflow import TRANSITIONS

        if self.action == "create":
            return str(_("Proposed"))
        step = TRANSITIONS.get(self.action)
        return str(step.label) if step else self.action


def update_upload_path(instance, filename):
    return f"project-updates/{instance.project_id}/{filename}"


class ProgressUpdate(models.Model):
    """A progress report on a project under way, with an optional photo or document."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="updates", verbose_name=_("project")
    )
    date = models.DateField(_("date"), validators=[validate_past_date])
    text = models.TextField(_("progress"), validators=[text_limit(NOTE_MAX)])
    percent = models.PositiveSmallIntegerField(_("percent done"), validators=[MaxValueValidator(100)])
    attachment = models.FileField(_("photo or document"), upload_to=update_upload_path, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="update_percent_range")]

    def __str__(self):
        return f"{self.project} · {date_format(self.date, 'DATE_FORMAT')} · {self.percent}%"
