"""Suggested partners for an organisation's managers; recompute runs for staff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusters.models import Organisation

from . import selectors, services
from .forms import DismissForm
from .models import PartnerSuggestion, SuggestionFeedback, SuggestionRun


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    org = get_object_or_404(Organisation, slug=slug)
    if not request.user.has_perm("matchmaking.view_suggestions", org):
        raise PermissionDenied("Only the organisation's managers see its suggested partners.")
    return org


@login_required
def suggestion_list(request: HttpRequest, slug: str) -> HttpResponse:
    org = _organisation(request, slug)
    return render(
        request,
        "matchmaking/suggestion_list.html",
        {
            "org": org,
            "suggestions": selectors.suggestions_for(org),
            "saved": selectors.saved_partner_ids(org),
            "dismiss_form": DismissForm(),
            "can_act": request.user.has_perm("matchmaking.give_feedback", org),
        },
    )


@login_required
@require_POST
def suggestion_feedback(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    org = _organisation(request, slug)
    suggestion = get_object_or_404(
        PartnerSuggestion.objects.select_related("suggested", "organisation"),
        pk=pk,
        organisation=org,
    )
    action = request.POST.get("action", "")
    try:
        if action == "unsave":
            services.unsave(user=request.user, suggestion=suggestion)
        else:
            form = DismissForm(request.POST) if action == "dismissed" else None
            if form is not None and not form.is_valid():
                raise ValidationError({"reason": "Say why you dismiss this suggestion."})
            services.give_feedback(
                user=request.user,
                suggestion=suggestion,
                action=action,
                reason=form.cleaned_data["reason"] if form else "",
                note=form.cleaned_data["note"] if form else "",
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if request.htmx:
            return HttpResponse(" ".join(error.messages), status=422)
        return redirect("matchmaking:suggestion-list", slug=org.slug)
    if request.htmx:
        if action == SuggestionFeedback.Action.DISMISSED:
            return HttpResponse("")  # the row disappears
        return render(
            request,
            "matchmaking/includes/suggestion.html",
            {
                "org": org,
                "s": suggestion,
                "saved": selectors.saved_partner_ids(org),
                "dismiss_form": DismissForm(),
                "can_act": True,
            },
        )
    done = {"saved": "Saved.", "dismissed": "Dismissed: it will not be suggested again."}
    messages.success(request, done.get(action, "Updated."))
    return redirect("matchmaking:suggestion-list", slug=org.slug)


def _staff_only(request: HttpRequest) -> None:
    if not request.user.has_perm("matchmaking.run_recompute"):
        raise PermissionDenied("Only platform staff run recomputes.")


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    template = "matchmaking/includes/runs.html" if request.htmx else "matchmaking/run_list.html"
    runs = selectors.latest_runs()
    active = any(
        r.status in (SuggestionRun.Status.QUEUED, SuggestionRun.Status.RUNNING) for r in runs
    )
    return render(request, template, {"runs": runs, "active": active})


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    _run, created = services.start_full_recompute()
    if created:
        messages.success(request, "A full recompute has started.")
    else:
        messages.info(request, "A full recompute is already under way; here is its progress.")
    return redirect("matchmaking:run-list")
