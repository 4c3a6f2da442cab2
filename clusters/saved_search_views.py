"""Saved searches: the user's list, saving from the search page, rename / digest, delete.

Thin views over clusters/saved_searches.py. A user only ever reaches their own saved
searches: anyone else's is a 404, never a 403 that would confirm it exists. Writes are
POST-only (CSRF-protected) and answer with a redirect and a message, so every action works
without JavaScript; the save form on the search page also accepts an htmx request and then
answers with just its own fragment.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import saved_searches
from .models import SavedSearch

TRUE_VALUES = frozenset({"1", "on", "true", "yes"})
SAVE_FORM = "clusters/includes/save_search_form.html"


def _search_url(querystring: str) -> str:
    url = reverse("clusters:organisation-list")
    return f"{url}?{querystring}" if querystring else url


def _list_url(saved_search: SavedSearch | None = None) -> str:
    url = reverse("clusters:saved-search-list")
    return f"{url}#saved-search-{saved_search.pk}" if saved_search else url


def _own(request: HttpRequest, pk: int) -> SavedSearch:
    """The user's saved search ``pk``; a 404 for anyone else's."""
    return get_object_or_404(SavedSearch, pk=pk, user=request.user)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _digest_note(saved_search: SavedSearch) -> str:
    if saved_search.digest:
        return "You will get a weekly e-mail when new organisations match it."
    return "Weekly e-mails for it are off."


@login_required
@require_GET
def saved_search_list(request: HttpRequest) -> HttpResponse:
    """The user's saved searches with their filters and how many organisations match now.

    One aggregate query counts all of them (see saved_searches.saved_searches_for).
    """
    rows = saved_searches.saved_searches_for(request.user)
    return render(
        request,
        "clusters/saved_searches.html",
        {"rows": rows, "max_searches": saved_searches.MAX_SAVED_SEARCHES},
    )


@login_required
@require_POST
def saved_search_create(request: HttpRequest) -> HttpResponse:
    """Save the search posted by the search page's form, then go back to that search."""
    # The search the user was looking at, re-encoded (and without a page): the redirect
    # target is always the search page, whatever was posted.
    back = QueryDict(request.POST.get("query", "").lstrip("?"), mutable=True)
    back.pop("page", None)
    querystring = back.urlencode()
    try:
        saved = saved_searches.saved_search_create(
            user=request.user,
            name=request.POST.get("name", ""),
            query=querystring,
            digest=request.POST.get("digest", "").lower() in TRUE_VALUES,
        )
    except ValidationError as error:
        text = f"Could not save this search: {_error_text(error)}"
        if request.htmx:
            return render(request, SAVE_FORM, {"querystring": querystring, "save_error": text})
        messages.error(request, text)
        return redirect(_search_url(querystring))
    if request.htmx:
        return render(
            request,
            SAVE_FORM,
            {"querystring": querystring, "saved_search": saved, "just_saved": True},
        )
    messages.success(request, f"Search saved as “{saved.name}”. {_digest_note(saved)}")
    return redirect(_search_url(querystring))


@login_required
@require_POST
def saved_search_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename (``name``) and/or switch the weekly e-mail (``digest`` = 1 or 0)."""
    saved = _own(request, pk)
    changes: dict = {}
    if "name" in request.POST:
        changes["name"] = request.POST["name"]
    if "digest" in request.POST:
        changes["digest"] = request.POST["digest"].lower() in TRUE_VALUES
    if not changes:
        messages.info(request, "Nothing to change.")
        return redirect(_list_url(saved))
    old_name = saved.name
    try:
        saved_searches.saved_search_update(saved_search=saved, **changes)
    except ValidationError as error:
        messages.error(request, f"Could not change “{old_name}”: {_error_text(error)}")
        return redirect(_list_url(saved))
    notes = []
    if "name" in changes and saved.name != old_name:
        notes.append(f"“{old_name}” is now called “{saved.name}”.")
    if "digest" in changes:
        state = "on" if saved.digest else "off"
        notes.append(f"Weekly e-mails for “{saved.name}” are {state}.")
    messages.success(request, " ".join(notes) or "Saved.")
    return redirect(_list_url(saved))


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _own(request, pk)
    saved_searches.saved_search_delete(saved_search=saved)
    messages.success(request, f"Deleted the saved search “{saved.name}”.")
    return redirect(_list_url())
