"""Admin plumbing shared by every app."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """A record's history may be read in the admin, never restored: restoring an
    old version would change a type, a status or a published list behind the
    services' back (a reclassification without its record, a need reopened
    without its project)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class FixedAfterCreationMixin:
    """Fields that say where a record belongs (its community) are set once: moving
    a project, a need or a decision day to another community would leave its
    needs, its agenda and its votes behind."""

    fixed_after_creation: tuple = ()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [f for f in self.fixed_after_creation if f not in fields]
        return fields
