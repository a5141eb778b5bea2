"""Pages of needs surveys (问需活动) with fast entry of their needs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import access as community_access
from core.forms import apply_validation_error

from .. import access, queries, services
from ..forms import NeedEntryForm, SurveyForm
from ..models import NeedSurvey
from .needs import PAGE_SIZE


@login_required
def survey_list(request):
    surveys = (
        access.visible_surveys(request.user)
        .select_related("community__town", "conducted_by")
        .annotate(need_count=Count("needs"))
        .order_by("-date", "-id")
    )
    page = Paginator(surveys, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_create": access.can_run_surveys(request.user)}
    return render(request, "needs/survey_list.html", context)


@login_required
def survey_create(request):
    community_access.require(access.can_run_surveys(request.user))
    initial = {"date": timezone.localdate(), "community": request.GET.get("community")}
    form = SurveyForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("needs:survey", pk=survey.pk)
    return render(request, "needs/survey_form.html", {"form": form}, status=400 if form.errors else 200)


def _scoped_survey(request, pk) -> NeedSurvey:
    return get_object_or_404(
        access.visible_surveys(request.user).select_related(
            "community__town", "community__type", "conducted_by"
        ),
        pk=pk,
    )


@login_required
def survey_detail(request, pk):
    survey = _scoped_survey(request, pk)
    needs = survey.needs.select_related("category").order_by("id")
    context = {
        "survey": survey,
        "needs": needs,
        "show_names": access.can_see_mobile_of(request.user, survey.community),
        "form": NeedEntryForm(),
        "categories": queries.active_categories(),
        "can_log": access.can_log_needs(request.user, survey.community),
    }
    return render(request, "needs/survey_detail.html", context)


@login_required
@require_POST
def survey_add_need(request, pk):
    """One row of fast entry: saved (a new table row and a fresh form) or refused (the form with errors)."""
    survey = _scoped_survey(request, pk)
    community_access.require(access.can_log_needs(request.user, survey.community))
    form = NeedEntryForm(request.POST)
    need = None
    if form.is_valid():
        try:
            need = services.need_create(
                by=request.user, community=survey.community, survey=survey, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
    context = {
        "survey": survey,
        "form": NeedEntryForm() if need else form,
        "need": need,
        "categories": queries.active_categories(),
        "show_names": True,  # only those who may log needs here get this far
    }
    if not request.htmx:
        if need:
            messages.success(request, _("Need “%(t)s” saved.") % {"t": need.title})
            return redirect("needs:survey", pk=survey.pk)
        context["needs"] = survey.needs.select_related("category").order_by("id")
        context["can_log"] = True
        return render(request, "needs/survey_detail.html", context, status=400)
    # Both answers replace the entry form (its hx-target); a saved row travels
    # out of band into the table.
    return render(request, "needs/_entry_result.html" if need else "needs/_entry_form.html", context)
