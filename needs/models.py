"""Residents' needs: the shared-problem taxonomy, needs surveys, needs, their
escalation to town departments, and the per-type needs list (需求清单)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communities.models import BilingualName, Community, CommunityType, Town
from core.inputs import (
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    text_limit,
    validate_past_date,
    validate_plan_date,
    validate_year,
)

# Mainland China mobile numbers: 11 digits, 1 then 3-9.
mobile_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter a mainland mobile number of 11 digits, e.g. 13812345678.")
)


def mask_mobile(number: str) -> str:
    """138****1234: enough to recognise a number, not to call it."""
    if not number:
        return ""
    return f"{number[:3]}****{number[-4:]}" if len(number) >= 7 else "****"


def mask_name(name: str) -> str:
    """张** : the surname only."""
    return f"{name[:1]}**" if name else ""


class Domain(models.TextChoices):
    """The three domains of community governance a need belongs to."""

    ORGANISATION = "organisation", _("Grassroots organisation building")
    SELF_GOVERNANCE = "self_governance", _("Residents' self-governance")
    SERVICE = "service", _("Community service supply")


class Channel(models.TextChoices):
    """Standing channels through which needs are gathered."""

    RESIDENTS_CALL = "residents_call", _("Residents call, we act (民有所呼、我有所为)")
    CONTACT_DAY = "contact_day", _("Public-opinion contact day")
    VISIT = "visit", _("Door-to-door visit")
    GRID = "grid", _("Grid worker report")
    HOTLINE = "hotline", _("Hotline")
    DELIBERATION = "deliberation", _("Deliberation meeting")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    OTHER = "other", _("Other")


class ProblemCategory(BilingualName, models.Model):
    """A shared-problem category (共性问题类别) of the city's taxonomy.

    Reference data (fixtures/problem_categories.json), kept by city admins.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    name_en = models.CharField(_("English name"), max_length=100)
    initials = models.CharField(
        _("pinyin initials"), max_length=40, blank=True, help_text=_("For quick search, e.g. xzcdz.")
    )
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    community_types = models.ManyToManyField(
        CommunityType,
        blank=True,
        related_name="problem_categories",
        verbose_name=_("community types it usually concerns"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(m2m_fields=[community_types])

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["order", "code"]

    def __str__(self):
        return self.label


class NeedSurvey(models.Model):
    """A needs-gathering activity (问需活动) in one community: a visit round,
    a contact day, a questionnaire …"""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("community")
    )
    date = models.DateField(_("date"), validators=[validate_past_date])
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    conducted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("conducted by"),
    )
    # A survey of a whole town's residents is at most some tens of thousands.
    participants = models.PositiveIntegerField(
        _("participants"), default=0, validators=[MaxValueValidator(100_000)]
    )
    notes = models.TextField(_("notes"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("needs survey")
        verbose_name_plural = _("needs surveys")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.community} · {self.date} · {self.get_channel_display()}"


class NeedImport(models.Model):
    """One committed spreadsheet import: which file, how many needs, who, when."""

    file_name = models.CharField(_("file name"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("needs import")
        verbose_name_plural = _("needs imports")
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.file_name} ({self.rows})"


class Need(models.Model):
    """A resident's need (需求) logged for one community."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PLANNED = "planned", _("Planned")  # a project has taken it up
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        ESCALATED = "escalated", _("Escalated")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="needs", verbose_name=_("community")
    )
    survey = models.ForeignKey(
        NeedSurvey,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("survey"),
    )
    raised_on = models.DateField(_("date raised"), validators=[validate_past_date])
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    category = models.ForeignKey(
        ProblemCategory, on_delete=models.PROTECT, related_name="needs", verbose_name=_("category")
    )
    urgent = models.BooleanField(_("urgent (急难愁盼)"), default=False)
    location = models.CharField(_("location"), max_length=200, blank=True)
    resident_name = models.CharField(_("resident's name"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True, validators=[mobile_validator])
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    close_reason = models.TextField(
        _("reason for closing"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("logged by")
    )
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    imported_in = models.ForeignKey(
        NeedImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("imported in"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-raised_on", "-id"]
        indexes = [
            models.Index(fields=["community", "raised_on"], name="need_community_date"),
            models.Index(fields=["category", "raised_on"], name="need_category_date"),
            models.Index(fields=["status"], name="need_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_reason=""),
                name="need_closed_has_reason",
                violation_error_message=_("A closed need needs the reason it was closed."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def masked_name(self) -> str:
        return mask_name(self.resident_name)

    @property
    def domain(self) -> str:
        return self.category.domain


class MobileView(models.Model):
    """A record that someone saw a resident's full mobile number."""

    class Context(models.TextChoices):
        PAGE = "page", _("Need page")
        API = "api", _("API")
        EXPORT = "export", _("Export")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, related_name="mobile_views", verbose_name=_("need")
    )
    context = models.CharField(_("where"), max_length=10, choices=Context.choices)
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("view of a mobile number")
        verbose_name_plural = _("views of mobile numbers")
        ordering = ["-viewed_at"]

    def __str__(self):
        return f"{self.user} · {self.need} · {self.get_context_display()}"


class Escalation(models.Model):
    """A need the community cannot solve, passed to a town department (吹哨报到)."""

    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("need")
    )
    department = models.CharField(_("department"), max_length=100)
    due_on = models.DateField(_("due date"), validators=[validate_plan_date])
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)])
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("escalated by")
    )
    escalated_at = models.DateTimeField(_("escalated at"), auto_now_add=True)
    response = models.TextField(
        _("department's response"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    responded_on = models.DateField(
        _("response date"), null=True, blank=True, validators=[validate_past_date]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("response recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True) | ~Q(response=""),
                name="escalation_response_with_date",
                violation_error_message=_("A response date needs the response."),
            ),
        ]

    def __str__(self):
        return f"{self.need} → {self.department}"

    @property
    def is_answered(self) -> bool:
        return self.responded_on is not None


class EscalationDepartment(models.Model):
    """A department of a town that needs are escalated to (吹哨报到的部门), kept by
    the town so that escalations name it the same way each time."""

    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="escalation_departments", verbose_name=_("town / street")
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("escalation department")
        verbose_name_plural = _("escalation departments")
        ordering = ["town", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "name"],
                name="escalation_department_unique",
                violation_error_message=_("The town already lists this department."),
            ),
        ]

    def __str__(self):
        return self.name


class NeedsList(models.Model):
    """The needs list (需求清单) of one community type for one year: the ranked
    shared problems behind that type's logged needs. A published list is frozen."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    community_type = models.ForeignKey(
        CommunityType, on_delete=models.PROTECT, related_name="needs_lists", verbose_name=_("community type")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[validate_year])
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)])
    needs_total = models.PositiveIntegerField(_("needs counted"), default=0)
    communities_total = models.PositiveIntegerField(_("communities of the type"), default=0)
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("compiled by")
    )
    compiled_at = models.DateTimeField(_("compiled at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("needs list")
        verbose_name_plural = _("needs lists")
        ordering = ["-year", "community_type__order", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["community_type", "year", "version"],
                name="needs_list_version_unique",
                violation_error_message=_("This version of the list already exists."),
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False),
                name="needs_list_published_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.community_type} · {self.year} · v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class NeedsListItem(models.Model):
    """One ranked shared problem of a needs list, with the figures behind it."""

    needs_list = models.ForeignKey(
        NeedsList, on_delete=models.CASCADE, related_name="items", verbose_name=_("needs list")
    )
    category = models.ForeignKey(
        ProblemCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    position = models.PositiveSmallIntegerField(_("rank"))
    need_count = models.PositiveIntegerField(_("needs"))
    community_count = models.PositiveIntegerField(_("communities"))
    open_count = models.PositiveIntegerField(_("open"))
    urgent_count = models.PositiveIntegerField(_("urgent"))
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)])

    class Meta:
        verbose_name = _("needs list item")
        verbose_name_plural = _("needs list items")
        ordering = ["needs_list", "position"]
        constraints = [
            models.UniqueConstraint(fields=["needs_list", "category"], name="needs_list_item_unique"),
        ]

    def __str__(self):
        return f"{self.position}. {self.category}"


class ImportJob(models.Model):
    """A spreadsheet import on its way: checked, then (on confirmation) written.

    Large files are worked on in the background; the page polls the job's progress.
    """

    class Stage(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    file_name = models.CharField(_("file name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.CHECKING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_ok = models.PositiveIntegerField(_("good rows"), default=0)
    errors = models.JSONField(_("bad rows"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    need_import = models.ForeignKey(
        NeedImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} · {self.get_stage_display()}"

    @property
    def is_running(self) -> bool:
        return self.stage in (self.Stage.CHECKING, self.Stage.IMPORTING)

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
