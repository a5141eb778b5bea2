from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from communities.admin import NoDeleteMixin

from .models import (
    Escalation,
    MobileView,
    Need,
    NeedImport,
    NeedsList,
    NeedsListItem,
    NeedSurvey,
    ProblemCategory,
)


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["order", "code", "name", "domain", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["domain", "is_active", "community_types"]
    search_fields = ["code", "name", "initials"]
    filter_horizontal = ["community_types"]


@admin.register(NeedSurvey)
class NeedSurveyAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["date", "community", "channel", "participants", "conducted_by"]
    list_select_related = ["community", "conducted_by"]
    raw_id_fields = ["community"]


@admin.register(Need)
class NeedAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["raised_on", "title", "community", "category", "status", "urgent"]
    list_filter = ["status", "urgent", "category__domain"]
    list_select_related = ["community", "category"]
    search_fields = ["title"]
    raw_id_fields = ["community", "survey", "imported_in"]
    exclude = ["mobile"]  # numbers are read on the need's page, where each view is logged


@admin.register(Escalation)
class EscalationAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["need", "department", "due_on", "responded_on"]
    list_select_related = ["need"]
    raw_id_fields = ["need"]


class NeedsListItemInline(admin.TabularInline):
    model = NeedsListItem
    extra = 0
    can_delete = False
    readonly_fields = ["category", "need_count", "community_count", "open_count", "urgent_count"]


@admin.register(NeedsList)
class NeedsListAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["year", "community_type", "version", "state", "published_at"]
    list_filter = ["state", "year", "community_type"]
    inlines = [NeedsListItemInline]


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
