from django.contrib import admin

from communities.admin import NoDeleteMixin
from core.admin import FixedAfterCreationMixin, HistoryAdmin

from .models import (
    Escalation,
    EscalationDepartment,
    MobileView,
    Need,
    NeedImport,
    NeedsList,
    NeedsListItem,
    NeedSurvey,
    ProblemCategory,
)


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["order", "code", "name", "domain", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["domain", "is_active", "community_types"]
    search_fields = ["code", "name", "initials"]
    filter_horizontal = ["community_types"]


@admin.register(NeedSurvey)
class NeedSurveyAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["date", "community", "channel", "participants", "conducted_by"]
    list_select_related = ["community", "conducted_by"]
    raw_id_fields = ["community"]


@admin.register(Need)
class NeedAdmin(FixedAfterCreationMixin, NoDeleteMixin, HistoryAdmin):
    fixed_after_creation = ("community", "survey")

    list_display = ["raised_on", "title", "community", "category", "status", "urgent"]
    list_filter = ["status", "urgent", "category__domain"]
    list_select_related = ["community", "category"]
    search_fields = ["title"]
    raw_id_fields = ["community", "survey", "imported_in"]
    exclude = ["mobile"]  # numbers are read on the need's page, where each view is logged
    # The needs app moves a need's status only through its services (closing,
    # escalating, moving with a project), each writing who did it.
    readonly_fields = ["status", "close_reason"]


@admin.register(Escalation)
class EscalationAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["need", "department", "due_on", "responded_on"]
    list_select_related = ["need"]
    raw_id_fields = ["need"]


class NeedsListItemInline(admin.TabularInline):
    model = NeedsListItem
    extra = 0
    can_delete = False
    readonly_fields = ["category", "need_count", "community_count", "open_count", "urgent_count"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published


@admin.register(NeedsList)
class NeedsListAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["year", "community_type", "version", "state", "published_at"]
    list_filter = ["state", "year", "community_type"]
    inlines = [NeedsListItemInline]
    # Compiled and published through the services; a published list is frozen.
    readonly_fields = [
        "community_type",
        "year",
        "version",
        "state",
        "needs_total",
        "communities_total",
        "compiled_by",
        "compiled_at",
        "published_by",
        "published_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)


@admin.register(EscalationDepartment)
class EscalationDepartmentAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["town", "order", "name", "is_active"]
    list_display_links = ["name"]
    list_filter = ["town", "is_active"]
    list_select_related = ["town"]
    search_fields = ["name"]


@admin.register(NeedImport)
class NeedImportAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["imported_at", "file_name", "rows", "imported_by"]


@admin.register(MobileView)
class MobileViewAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["viewed_at", "user", "need", "context"]
    list_select_related = ["user", "need"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
