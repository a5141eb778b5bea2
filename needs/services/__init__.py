"""Writes for needs: one function per use case, one transaction each, the acting
user always passed. Views, the API and other apps call these (``services.need_create``)."""

from ..errors import ConflictError, ImportRejected, NeedsError
from .escalations import department_add, department_set_active, escalation_respond, need_escalate
from .imports import (
    BACKGROUND_ROWS,
    ERRORS_KEPT,
    import_job_confirm,
    import_job_start,
    import_needs,
    run_import_check,
    run_import_commit,
    run_in_background,
)
from .lists import needs_list_compile, needs_list_edit, needs_list_publish
from .needs import EDITABLE_NEED_FIELDS, need_create, need_update, record_mobile_views
from .status import lock_needs, move_needs_with_project, need_close, need_reopen, need_resolve
from .surveys import survey_create

__all__ = [
    "BACKGROUND_ROWS",
    "EDITABLE_NEED_FIELDS",
    "ERRORS_KEPT",
    "ConflictError",
    "ImportRejected",
    "NeedsError",
    "department_add",
    "department_set_active",
    "escalation_respond",
    "import_job_confirm",
    "import_job_start",
    "import_needs",
    "lock_needs",
    "move_needs_with_project",
    "need_close",
    "need_create",
    "need_escalate",
    "need_reopen",
    "need_resolve",
    "need_update",
    "needs_list_compile",
    "needs_list_edit",
    "needs_list_publish",
    "record_mobile_views",
    "run_import_check",
    "run_import_commit",
    "run_in_background",
    "survey_create",
]
