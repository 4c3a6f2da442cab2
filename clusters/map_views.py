"""The organisations map (placeholder until the map is built)."""

from django.http import Http404, HttpRequest, HttpResponse


def organisation_map(request: HttpRequest) -> HttpResponse:
    raise Http404("The map is not built yet.")
