from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from communities.admin import NoDeleteMixin
from core.admin import FixedAfterCreationMixin, HistoryAdmin

from .models import (
    CategoryAffinity,
    DecisionDay,
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectResource,
    Resource,
    ResourceCategory,
)


@admin.register(ResourceCategory)
class ResourceCategoryAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["order", "code", "name", "origin"]


@admin.register(CategoryAffinity)
class CategoryAffinityAdmin(admin.ModelAdmin):
    """The default affinity table between problem and resource categories, for matching."""

    list_display = ["problem_category", "resource_category", "weight"]
    list_filter = ["resource_category", "weight"]
    list_editable = ["weight"]
    list_select_related = ["problem_category", "resource_category"]


@admin.register(Resource)
class ResourceAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["name", "category", "level", "town", "community", "capacity_shown", "is_active"]
    list_filter = ["category", "level", "is_active"]
    list_select_related = ["category", "town", "community"]
    raw_id_fields = ["community"]

    @admin.display(description=_("capacity"))
    def capacity_shown(self, resource):
        return resource.capacity_display


class ProjectResourceInline(admin.TabularInline):
    model = ProjectResource
    extra = 0
    raw_id_fields = ["resource"]


@admin.register(Project)
class ProjectAdmin(FixedAfterCreationMixin, NoDeleteMixin, HistoryAdmin):
    fixed_after_creation = ("community",)

    list_display = ["year", "title", "community", "state", "is_excellent"]
    list_filter = ["state", "year", "is_excellent"]
    list_select_related = ["community"]
    search_fields = ["title"]
    raw_id_fields = ["community"]
    # The state, the decision and the needs taken up change only along the workflow
    # (which locks the needs and moves their status with the project).
    readonly_fields = [
        "state", "decision_day", "satisfaction", "verdict", "verdict_note", "needs_taken_up",
    ]  # fmt: skip
    exclude = ["needs"]
    inlines = [ProjectResourceInline]

    @admin.display(description=_("needs answered"))
    def needs_taken_up(self, project):
        return "、".join(str(need) for need in project.needs.all()) or "—"


@admin.register(ProjectEvent)
class ProjectEventAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["at", "project", "step", "from_state", "to_state", "actor"]
    list_select_related = ["project", "actor"]
    fields = ["at", "project", "step", "from_state", "to_state", "actor", "note"]
    readonly_fields = ["step"]

    @admin.display(description=_("action"), ordering="action")
    def step(self, event):
        return event.action_label

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["date", "project", "percent", "created_by"]
    list_select_related = ["project", "created_by"]


@admin.register(DecisionDay)
class DecisionDayAdmin(FixedAfterCreationMixin, NoDeleteMixin, HistoryAdmin):
    fixed_after_creation = ("community",)

    list_display = ["date", "community", "kind", "state"]
    list_select_related = ["community"]
    readonly_fields = ["state"]  # planned → held → finalised only by recording the meeting
