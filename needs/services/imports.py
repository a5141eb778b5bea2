"""Writing an import: a checked file's needs, all or none, and the import jobs
through which the page imports with progress for large files."""

import logging
import os
import threading

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from communities.models import Community

from .. import access, importing
from ..errors import ConflictError, ImportRejected, NeedsError
from ..models import ImportJob, Need, NeedImport

logger = logging.getLogger("needs.services")


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
        # The same file sent twice at once: lock the communities it writes to and
        # ask again inside the lock whether its needs are recorded, so the second
        # finds the first one's rows instead of storing every need twice.
        community_ids = sorted({row.community.pk for row in result.rows})
        list(Community.objects.select_for_update().filter(pk__in=community_ids).order_by("pk").values("pk"))
        recorded = importing.already_recorded(result.rows)
        if recorded:
            raise ImportRejected(recorded)
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
        _discard_upload(job_id)
        return
    except Exception:
        logger.exception("import check failed for job %s", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            stage=ImportJob.Stage.FAILED, message=_("The file could not be checked; nothing was imported.")
        )
        _discard_upload(job_id)
        raise
    ImportJob.objects.filter(pk=job_id).update(
        stage=ImportJob.Stage.CHECKED,
        rows_ok=len(result.rows),
        errors=[_error_dict(e) for e in result.errors[:ERRORS_KEPT]],
        message=_("%(n)s problems in all.") % {"n": len(result.errors)}
        if len(result.errors) > ERRORS_KEPT
        else "",
    )
    if result.errors:
        # A file with bad rows is never written; it is corrected and uploaded again.
        _discard_upload(job_id)


def _discard_upload(job_id) -> None:
    """Residents' names and numbers are not kept longer than the import needs them."""
    path = os.path.join(settings.IMPORT_TEMP_DIR, f"{job_id}.upload")
    if os.path.exists(path):
        os.remove(path)


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
