"""Partnership pages: the filtered list, the member map, the detail page and the edit pages.

Thin views: reads come from ``selectors`` (already joined, so the list costs the
same number of queries at 5 or 50 rows), filters from the one ``PartnershipFilterSet``, and
every write goes through ``services``.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST
from django_countries.fields import Country

from clusterplatform.forms import form_errors_from
from events.selectors import events_for

from .. import selectors
from ..facets import search_query
from ..models import Partnership, PartnershipMember
from . import maps as partnership_maps
from . import services as partnerships
from .filters import PartnershipFilterSet
from .forms import PartnershipForm, target_country_codes
from .selectors import (
    members_in_order,
    partnerships_visible_to,
    reports_visible_to,
    sees_every_partnership,
)
from .selectors import partnership_list as visible_list

PAGE_SIZE = 50
EXPORTS = (("partnerships", "Partnerships"), ("members", "Their members"))
EXPORT_FORMATS = ("csv", "xlsx")


def _filtered(
    request: HttpRequest, queryset: QuerySet[Partnership]
) -> tuple[PartnershipFilterSet, QueryDict, QuerySet[Partnership]]:
    """The filterset bound to the request, the query that matters, and the result (empty when
    a filter value is refused: the page then names the parameter instead of guessing)."""
    query = search_query(request.GET)
    officer = sees_every_partnership(request.user)
    if not officer:
        # Everyone else sees published partnerships and their own: status is no filter for them.
        query.pop("status", None)
    filterset = PartnershipFilterSet(query or None, queryset=queryset)
    if not officer:
        del filterset.filters["status"]
    valid = not filterset.is_bound or filterset.is_valid()
    return filterset, query, filterset.qs if valid else queryset.none()


def export_links(querystring: str) -> list[dict[str, str]]:
    """Links to download the filtered list; none while the export pages are not installed."""
    links = []
    for kind, label in EXPORTS:
        for fmt in EXPORT_FORMATS:
            try:
                url = reverse("clusters:export", kwargs={"kind": kind, "fmt": fmt})
            except NoReverseMatch:
                return []
            links.append(
                {
                    "label": f"{label} ({fmt.upper()})",
                    "url": f"{url}?{querystring}" if querystring else url,
                    "kind": kind,
                    "fmt": fmt,
                }
            )
    return links


def _countries(partnership: Partnership) -> list[Country]:
    """Member countries, each once, by name (from the prefetched members)."""
    found = {str(m.organisation.country): m.organisation.country for m in _members(partnership)}
    return sorted((c for code, c in found.items() if code), key=lambda c: c.name)


def _members(partnership: Partnership) -> list[PartnershipMember]:
    return members_in_order(partnership.memberships.all())


def partnership_list(request: HttpRequest) -> HttpResponse:
    """Partnerships with the filters of the API and the exports, paginated, with export links."""
    filterset, query, result = _filtered(request, visible_list(request.user))
    page = Paginator(result, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"partnership": p, "countries": _countries(p), "member_count": len(p.memberships.all())}
        for p in page.object_list
    ]
    filterset.prepare_pickers()
    querystring = query.urlencode()
    return render(
        request,
        "clusters/partnerships/list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "querystring": querystring,
            "exports": export_links(querystring) if page.paginator.count else [],
            "can_add": request.user.has_perm("clusters.add_partnership"),
        },
    )


def partnership_map(request: HttpRequest) -> HttpResponse:
    """Distinct member organisations of the filtered partnerships, per country."""
    filterset, query, result = _filtered(request, partnerships_visible_to(request.user))
    list_url = reverse("clusters:partnership-list")

    def link(code: str) -> str:
        new = query.copy()
        new.setlist("country", [code])
        return f"{list_url}?{new.urlencode()}"

    counts = partnership_maps.member_country_counts(result)
    filterset.prepare_pickers()
    return render(
        request,
        "clusters/partnerships/map.html",
        {
            "filter": filterset,
            "querystring": query.urlencode(),
            "partnership_count": result.count(),
            "map": partnership_maps.member_map(counts, link=link),
        },
    )


def _get_visible(request: HttpRequest, slug: str) -> Partnership:
    """The partnership if the user may see it; 404 otherwise (drafts stay private)."""
    partnership = get_object_or_404(visible_list(request.user), slug=slug)
    if not request.user.has_perm("clusters.view_partnership", partnership):
        raise Http404("No such partnership.")
    return partnership


def partnership_detail(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _get_visible(request, slug)
    user = request.user
    members = _members(partnership)
    reports = list(
        reports_visible_to(user).filter(partnership=partnership).order_by("period_start")
    )
    return render(
        request,
        "clusters/partnerships/detail.html",
        {
            "partnership": partnership,
            "members": members,
            "target_countries": [Country(code=code) for code in target_country_codes(partnership)],
            "map": partnership_maps.member_map(
                partnership_maps.counts_from_members(members),
                title=f"Members of {partnership} per country",
            ),
            "events": list(events_for(user).filter(partnership=partnership)),
            "reports": reports,
            "can_edit": user.has_perm("clusters.change_partnership", partnership),
            "can_submit": user.has_perm("clusters.submit_report", partnership),
            "can_decide": user.has_perm("clusters.decide_report", partnership),
        },
    )


def _form(request: HttpRequest, instance: Partnership | None = None) -> PartnershipForm:
    return PartnershipForm(
        request.POST or None,
        instance=instance,
        organisations=selectors.organisations_visible_to(request.user),
    )


@login_required
def partnership_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("clusters.add_partnership"):
        raise PermissionDenied("Only programme officers and platform staff add partnerships.")
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            partnership = partnerships.create_partnership(
                user=request.user,
                fields=form.service_fields(),
                members=form.cleaned_data["members"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                f"“{partnership.name}” was created as a draft. Publish it when it is ready.",
            )
            return redirect("clusters:partnership-detail", slug=partnership.slug)
    return render(request, "clusters/partnerships/form.html", {"form": form, "partnership": None})


@login_required
def partnership_edit(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _get_visible(request, slug)
    if not request.user.has_perm("clusters.change_partnership", partnership):
        raise PermissionDenied("Only the coordinator's managers and programme officers edit this.")
    # The form works on a copy: a refused edit must not rename the page it is shown on.
    form = _form(request, copy.copy(partnership))
    if request.method == "POST" and form.is_valid():
        try:
            # One transaction: refused members undo the field changes too.
            with transaction.atomic():
                partnerships.update_partnership(
                    user=request.user, partnership=partnership, fields=form.service_fields()
                )
                if form.members_changed():
                    partnerships.set_members(
                        user=request.user,
                        partnership=partnership,
                        members=form.cleaned_data["members"],
                    )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Partnership saved.")
            return redirect("clusters:partnership-detail", slug=partnership.slug)
    return render(
        request, "clusters/partnerships/form.html", {"form": form, "partnership": partnership}
    )


@login_required
@require_POST
def partnership_publish(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _get_visible(request, slug)
    if not request.user.has_perm("clusters.change_partnership", partnership):
        raise PermissionDenied("Only the coordinator's managers and programme officers publish.")
    publish = request.POST.get("publish", "1") == "1"
    try:
        partnerships.publish_partnership(
            user=request.user, partnership=partnership, publish=publish
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "Partnership published." if publish else "Partnership is a draft again."
        )
    return redirect("clusters:partnership-detail", slug=partnership.slug)
