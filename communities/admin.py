from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from core.admin import HistoryAdmin

from .models import (
    Alliance,
    CoBuildingUnit,
    Community,
    CommunityType,
    Membership,
    Reclassification,
    Town,
)


class NoDeleteMixin:
    """Core records are archived, never deleted, in the admin too."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Town)
class TownAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["code", "name", "kind"]
    search_fields = ["code", "name"]


@admin.register(CommunityType)
class CommunityTypeAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["code", "name", "area", "goal", "order"]


@admin.register(Community)
class CommunityAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["code", "name", "town", "type", "pilot_year", "model_year", "is_archived"]
    list_filter = ["town", "type", "pilot_year", "is_archived"]
    search_fields = ["code", "name"]
    list_select_related = ["town", "type"]
    readonly_fields = ["type"]  # changed only through reclassification (keeps history)


@admin.register(Reclassification)
class ReclassificationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["community", "from_type", "to_type", "decided_by", "decided_at"]
    list_select_related = ["community", "from_type", "to_type", "decided_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(CoBuildingUnit)
class CoBuildingUnitAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["name", "kind", "is_active"]
    search_fields = ["name"]


@admin.register(Alliance)
class AllianceAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = ["community", "unit", "since", "ended_on"]
    list_select_related = ["community", "unit"]
    autocomplete_fields = ["unit"]


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ["user", "role", "town", "community"]
    list_filter = ["role", "town"]
    list_select_related = ["user", "town", "community"]
    raw_id_fields = ["community"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class GovernanceUserAdmin(NoDeleteMixin, UserAdmin):
    """Accounts are disabled, not deleted: their names stay on the records they touched."""
