"""Writes for needs: one function per use case, one transaction each, the acting
user always passed. Views and the API call these."""

import logging
import os
import threading
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from communities.access import require

from . import access, importing, queries
from .models import (
    Channel,
    Escalation,
    ImportJob,
    MobileView,
    Need,
    NeedImport,
    NeedsList,
    NeedsListItem,
    NeedSurvey,
    ProblemCategory,
)

logger = logging.getLogger(__name__)


class NeedsError(Exception):
    """A write about needs that cannot be done; the message is shown as is."""


class ConflictError(NeedsError):
    """Someone changed the record first; reload and try again."""


class ImportRejected(NeedsError):
    """An import with bad rows: nothing was written. ``errors`` lists them all."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(_("The file has %(n)s bad rows; nothing was imported.") % {"n": len(errors)})


def _full_clean_and_save(obj, *, by, exclude=None):
    obj.full_clean(exclude=exclude)
    obj._history_user = by
    obj.save()


def _check_not_future(day: date, field: str):
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


# --- surveys and needs --------------------------------------------------------------------


@transaction.atomic
def survey_create(*, by, community, date, channel, participants=0, notes="") -> NeedSurvey:
    require(access.can_log_needs(by, community))
    _check_not_future(date, "date")
    survey = NeedSurvey(
        community=community,
        date=date,
        channel=channel,
        participants=participants or 0,
        notes=notes,
        conducted_by=by,
    )
    _full_clean_and_save(survey, by=by)
    return survey


def _check_category(category: ProblemCategory):
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})


@transaction.atomic
def need_create(
    *,
    by,
    community,
    title,
    category,
    raised_on=None,
    survey: NeedSurvey | None = None,
    channel=None,
    description="",
    urgent=False,
    location="",
    resident_name="",
    mobile="",
) -> Need:
    """Log one need. From a survey, the community, date and channel come from it."""
    require(access.can_log_needs(by, community))
    if survey is not None:
        if survey.community_id != community.pk:
            raise ValidationError({"survey": _("The survey belongs to another community.")})
        raised_on = raised_on or survey.date
        channel = channel or survey.channel
    if raised_on is None:
        raise ValidationError({"raised_on": _("Give the date the need was raised.")})
    _check_not_future(raised_on, "raised_on")
    _check_category(category)
    need = Need(
        community=community,
        survey=survey,
        raised_on=raised_on,
        channel=channel or Channel.OTHER,
        title=(title or "").strip(),
        description=(description or "").strip(),
        category=category,
        urgent=bool(urgent),
        location=(location or "").strip(),
        resident_name=(resident_name or "").strip(),
        mobile=(mobile or "").replace(" ", "").replace("-", ""),
        logged_by=by,
    )
    _full_clean_and_save(need, by=by)
    return need


EDITABLE_NEED_FIELDS = {
    "title",
    "description",
    "category",
    "urgent",
    "location",
    "resident_name",
    "mobile",
    "raised_on",
    "channel",
}


@transaction.atomic
def need_update(*, need: Need, by, **changes) -> Need:
    """Correct a need's details (not its status: see the functions below)."""
    require(access.can_manage_need(by, need))
    unknown = set(changes) - EDITABLE_NEED_FIELDS
    if unknown:
        raise PermissionDenied(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    locked = Need.objects.select_for_update().get(pk=need.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    if "category" in changes:
        _check_category(locked.category)
    if "raised_on" in changes:
        _check_not_future(locked.raised_on, "raised_on")
    _full_clean_and_save(locked, by=by)
    return locked


def _lock_in_state(need: Need, expected: set[str]) -> Need:
    # Two people acting on one need at once: the row lock queues them and the
    # state check turns the second one's stale action into a clear conflict.
    locked = Need.objects.select_for_update().get(pk=need.pk)
    if locked.status not in expected:
        raise ConflictError(
            _("The need is now “%(status)s”; reload the page to see what changed.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def need_close(*, need: Need, by, reason: str) -> Need:
    """Close a need that will not be taken up, with the reason (kept in history)."""
    require(access.can_manage_need(by, need))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for closing the need.")})
    locked = _lock_in_state(need, {Need.Status.OPEN, Need.Status.ESCALATED})
    locked.status, locked.close_reason = Need.Status.CLOSED, reason
    _full_clean_and_save(locked, by=by)
    return locked


@transaction.atomic
def need_reopen(*, need: Need, by) -> Need:
    require(access.can_manage_need(by, need))
    locked = _lock_in_state(need, {Need.Status.CLOSED, Need.Status.ESCALATED})
    locked.status, locked.close_reason = Need.Status.OPEN, ""
    _full_clean_and_save(locked, by=by)
    return locked


@transaction.atomic
def need_resolve(*, need: Need, by) -> Need:
    """Mark an escalated need solved once the department has answered."""
    require(access.can_escalate(by, need))
    locked = _lock_in_state(need, {Need.Status.ESCALATED})
    if locked.escalations.filter(responded_on__isnull=True).exists():
        raise NeedsError(_("Record the department's response before marking the need resolved."))
    locked.status = Need.Status.RESOLVED
    _full_clean_and_save(locked, by=by)
    return locked


@transaction.atomic
def need_escalate(*, need: Need, by, department: str, due_on: date, note: str = "") -> Escalation:
    """Pass a need the community cannot solve to a town department (吹哨报到)."""
    require(access.can_escalate(by, need))
    department = (department or "").strip()
    if not department:
        raise ValidationError({"department": _("Name the department.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    locked = _lock_in_state(need, {Need.Status.OPEN, Need.Status.ESCALATED})
    escalation = Escalation(need=locked, department=department, due_on=due_on, note=note, escalated_by=by)
    _full_clean_and_save(escalation, by=by)
    if locked.status != Need.Status.ESCALATED:
        locked.status = Need.Status.ESCALATED
        _full_clean_and_save(locked, by=by)
    return escalation


@transaction.atomic
def escalation_respond(*, escalation: Escalation, by, response: str, responded_on: date) -> Escalation:
    require(access.can_escalate(by, escalation.need))
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Write down the department's response.")})
    _check_not_future(responded_on, "responded_on")
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if locked.responded_on is not None:
        raise ConflictError(_("The response was already recorded; reload the page."))
    locked.response, locked.responded_on, locked.recorded_by = response, responded_on, by
    _full_clean_and_save(locked, by=by)
    return locked


def record_mobile_views(*, user, needs, context: str) -> None:
    """Log that ``user`` saw these needs' full mobile numbers (one query)."""
    MobileView.objects.bulk_create(
        [MobileView(user=user, need=need, context=context) for need in needs if need.mobile]
    )


# --- import ---------------------------------------------------------------------------------


def import_needs(*, file, file_name: str, by, progress=None) -> NeedImport:
    """Check the whole file, then write every row in one transaction, or nothing."""
    if not access.can_import(by):
        raise PermissionDenied
    result = importing.check_file(file=file, file_name=file_name, user=by, progress=progress)
    if result.errors:
        raise ImportRejected(result.errors)
    if not result.rows:
        raise NeedsError(_("The file holds no needs."))
    with transaction.atomic():
        batch = NeedImport.objects.create(file_name=file_name[:200], rows=len(result.rows), imported_by=by)
        needs = [
            Need(
                community=row.community,
                raised_on=row.raised_on,
                channel=row.channel,
                title=row.title,
                description=row.description,
                category=row.category,
                urgent=row.urgent,
                location=row.location,
                resident_name=row.resident_name,
                mobile=row.mobile,
                logged_by=by,
                imported_in=batch,
            )
            for row in result.rows
        ]
        bulk_create_with_history(needs, Need, batch_size=1000, default_user=by)
    return batch


# --- import jobs: the page's way to import, with progress for large files ---------------------

# Files with more rows than this are checked and written in the background while
# the page shows their progress; smaller ones are done before the page answers.
BACKGROUND_ROWS = 1000
# Enough bad rows to fix a file by; the count of all of them is kept too.
ERRORS_KEPT = 2000


def _job_path(job_id) -> str:
    os.makedirs(settings.IMPORT_TEMP_DIR, exist_ok=True)
    return os.path.join(settings.IMPORT_TEMP_DIR, f"{job_id}.upload")


def import_job_start(*, file, file_name: str, by) -> tuple[ImportJob, int]:
    """Keep the uploaded file and open a job for it. Returns the job and the
    estimated number of rows (the caller decides whether to run it in the background)."""
    if not access.can_import(by):
        raise PermissionDenied
    data = file.read(importing.MAX_BYTES + 1)
    job = ImportJob.objects.create(user=by, file_name=(file_name or "")[:200])
    with open(_job_path(job.pk), "wb") as fh:
        fh.write(data)
    return job, importing.estimate_rows(data, file_name)


def _report_progress(job_id):
    def progress(done, total):
        ImportJob.objects.filter(pk=job_id).update(
            rows_done=done, rows_total=total, updated_at=timezone.now()
        )

    return progress


def run_import_check(job_id) -> None:
    """Check a job's file (no writes to needs) and record the outcome on the job."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    try:
        with open(_job_path(job_id), "rb") as fh:
            result = importing.check_file(
                file=fh, file_name=job.file_name, user=job.user, progress=_report_progress(job_id)
            )
    except importing.ImportFileError as exc:
        ImportJob.objects.filter(pk=job_id).update(stage=ImportJob.Stage.FAILED, message=str(exc))
        return
    except Exception:
        logger.exception("import check failed for job %s", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            stage=ImportJob.Stage.FAILED, message=_("The file could not be checked; nothing was imported.")
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(
        stage=ImportJob.Stage.CHECKED,
        rows_ok=len(result.rows),
        errors=[_error_dict(e) for e in result.errors[:ERRORS_KEPT]],
        message=_("%(n)s problems in all.") % {"n": len(result.errors)}
        if len(result.errors) > ERRORS_KEPT
        else "",
    )


def _error_dict(error) -> dict:
    return {"row": error.row, "column": error.column, "message": error.message}


@transaction.atomic
def import_job_confirm(*, job: ImportJob, by) -> ImportJob:
    """The user confirms a checked file: it will be checked again and written."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.user_id != by.pk:
        raise PermissionDenied
    if locked.stage != ImportJob.Stage.CHECKED or locked.errors or not locked.rows_ok:
        raise ConflictError(_("This import cannot be confirmed now; upload the file again."))
    locked.stage, locked.rows_done = ImportJob.Stage.IMPORTING, 0
    locked.save(update_fields=["stage", "rows_done", "updated_at"])
    return locked


def run_import_commit(job_id) -> None:
    """Write a confirmed job's needs, all or none, and record the outcome."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    path = _job_path(job_id)
    try:
        with open(path, "rb") as fh:
            batch = import_needs(
                file=fh, file_name=job.file_name, by=job.user, progress=_report_progress(job_id)
            )
    except ImportRejected as exc:
        # Something changed since the check (e.g. the same needs were logged meanwhile).
        ImportJob.objects.filter(pk=job_id).update(
            stage=ImportJob.Stage.CHECKED,
            errors=[_error_dict(e) for e in exc.errors[:ERRORS_KEPT]],
            rows_ok=0,
        )
        return
    except (importing.ImportFileError, NeedsError, FileNotFoundError) as exc:
        ImportJob.objects.filter(pk=job_id).update(stage=ImportJob.Stage.FAILED, message=str(exc))
        return
    except Exception:
        logger.exception("import failed for job %s", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            stage=ImportJob.Stage.FAILED, message=_("The import failed; nothing was imported.")
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(
        stage=ImportJob.Stage.DONE, need_import=batch, rows_done=batch.rows
    )
    if os.path.exists(path):
        os.remove(path)


def run_in_background(task, job_id) -> threading.Thread:
    """Run an import task on its own thread, with its own database connection."""

    def target():
        try:
            task(job_id)
        except Exception:  # noqa: BLE001 - already logged and recorded on the job
            pass
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name=f"import-{job_id}", daemon=True)
    thread.start()
    return thread


# --- needs lists (需求清单) -------------------------------------------------------------------


@transaction.atomic
def needs_list_compile(*, community_type, year: int, by) -> NeedsList:
    """Compile a draft list of a type's shared problems for a year (a new version)."""
    require(access.can_manage_needs_lists(by))
    # Lock the type so that two compilations of it get distinct version numbers.
    type(community_type).objects.select_for_update().get(pk=community_type.pk)
    last = NeedsList.objects.filter(community_type=community_type, year=year).order_by("-version").first()
    figures = queries.needs_list_figures(community_type=community_type, year=year)
    needs_list = NeedsList.objects.create(
        community_type=community_type,
        year=year,
        version=(last.version + 1) if last else 1,
        compiled_by=by,
        compiled_at=timezone.now(),
        needs_total=sum(f["need_count"] for f in figures),
        communities_total=community_type.communities.filter(is_archived=False).count(),
    )
    NeedsListItem.objects.bulk_create(
        [
            NeedsListItem(
                needs_list=needs_list,
                category_id=f["category"],
                position=i,
                need_count=f["need_count"],
                community_count=f["community_count"],
                open_count=f["open_count"],
                urgent_count=f["urgent_count"],
            )
            for i, f in enumerate(figures, 1)
        ]
    )
    return needs_list


def _lock_draft(needs_list: NeedsList) -> NeedsList:
    locked = NeedsList.objects.select_for_update().get(pk=needs_list.pk)
    if locked.state != NeedsList.State.DRAFT:
        raise ConflictError(_("This list is published and frozen; compile a new version to change it."))
    return locked


@transaction.atomic
def needs_list_edit(
    *, needs_list: NeedsList, by, note: str | None = None, order=None, item_notes=None
) -> NeedsList:
    """Annotate and reorder a draft. ``order`` lists every item id in the new order."""
    require(access.can_manage_needs_lists(by))
    locked = _lock_draft(needs_list)
    items = {item.pk: item for item in locked.items.all()}
    if order is not None:
        order = [int(pk) for pk in order]
        if sorted(order) != sorted(items):
            raise NeedsError(_("The new order must list every item of the list exactly once."))
        for position, pk in enumerate(order, 1):
            items[pk].position = position
    for pk, text in (item_notes or {}).items():
        if int(pk) not in items:
            raise NeedsError(_("An item does not belong to this list."))
        items[int(pk)].note = text.strip()
    # Positions are unique only in meaning, not by constraint, so one bulk update suffices.
    NeedsListItem.objects.bulk_update(items.values(), ["position", "note"])
    if note is not None:
        locked.note = note.strip()
    locked._history_user = by
    locked.save()
    return locked


@transaction.atomic
def needs_list_publish(*, needs_list: NeedsList, by) -> NeedsList:
    """Publish a draft: from now on it is frozen, whatever is logged later."""
    require(access.can_manage_needs_lists(by))
    locked = _lock_draft(needs_list)
    locked.state = NeedsList.State.PUBLISHED
    locked.published_at, locked.published_by = timezone.now(), by
    locked._history_user = by
    locked.save()
    return locked
