"""Saved searches (placeholder until they are built)."""

from django.http import Http404, HttpRequest, HttpResponse


def saved_search_list(request: HttpRequest) -> HttpResponse:
    raise Http404("Saved searches are not built yet.")


def saved_search_create(request: HttpRequest) -> HttpResponse:
    raise Http404("Saved searches are not built yet.")


def saved_search_update(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404("Saved searches are not built yet.")


def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404("Saved searches are not built yet.")
