"""Spreadsheet import of needs: upload, the job's progress and outcome, confirmation, the template."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from communities import access as community_access

from .. import access, exporting, services
from ..forms import ImportForm
from ..models import ImportJob

# A background job that has not moved for this long has died with its process.
JOB_STALLED_AFTER = timedelta(minutes=2)


@login_required
def import_upload(request):
    """Upload a file; it is checked (in the background when large) before anything is written."""
    community_access.require(access.can_import(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job, estimated_rows = services.import_job_start(file=upload, file_name=upload.name, by=request.user)
        if estimated_rows > services.BACKGROUND_ROWS:
            services.run_in_background(services.run_import_check, job.pk)
        else:
            services.run_import_check(job.pk)
        return redirect("needs:import_job", pk=job.pk)
    return render(request, "needs/import.html", {"form": form}, status=400 if form.errors else 200)


def _own_job(request, pk) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("need_import"), pk=pk, user=request.user)


@login_required
def import_job(request, pk):
    """A job's state: progress while it runs (the page polls), then its outcome."""
    job = _own_job(request, pk)
    stalled = job.is_running and job.updated_at < timezone.now() - JOB_STALLED_AFTER
    context = {"job": job, "stalled": stalled, "form": ImportForm()}
    template = "needs/_import_job.html" if request.htmx else "needs/import_job.html"
    return render(request, template, context)


@login_required
@require_POST
def import_job_confirm(request, pk):
    job = _own_job(request, pk)
    try:
        job = services.import_job_confirm(job=job, by=request.user)
    except services.NeedsError as exc:
        messages.error(request, str(exc))
        return redirect("needs:import_job", pk=job.pk)
    if job.rows_ok > services.BACKGROUND_ROWS:
        services.run_in_background(services.run_import_commit, job.pk)
    else:
        services.run_import_commit(job.pk)
    return redirect("needs:import_job", pk=job.pk)


@login_required
def import_template(request):
    return exporting.import_template_download(request.user)
