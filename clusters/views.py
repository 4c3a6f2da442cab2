"""Organisation pages: thin views over selectors (reads) and services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusterplatform.forms import form_errors_from

from . import facets, saved_searches, selectors, services
from .eligibility import is_eligible
from .filters import OrganisationFilterSet
from .forms import MembershipForm, OrganisationForm, RoleForm
from .models import Membership, Organisation, OrganisationRole

PAGE_SIZE = 25


def home(request: HttpRequest) -> HttpResponse:
    counts = dict(
        Organisation.objects.published()
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return render(
        request,
        "home.html",
        {
            "clusters": counts.get(Organisation.Kind.CLUSTER, 0),
            "smes": counts.get(Organisation.Kind.SME, 0),
            "total": sum(counts.values()),
            "countries": Organisation.objects.published().values("country").distinct().count(),
        },
    )


def organisation_list(request: HttpRequest) -> HttpResponse:
    """Partner search: filters, facets, removable filter chips, htmx updates of the results.

    The URL always holds the whole search (htmx pushes it), so a result can be shared.
    """
    query = facets.search_query(request.GET)
    visible = selectors.organisation_list(request.user)
    filterset = OrganisationFilterSet(query or None, queryset=visible)
    valid = not filterset.is_bound or filterset.is_valid()
    result = filterset.qs if valid else visible.none()
    total, facet_values = facets.facet_counts(result, query) if valid else (0, {})
    paginator = Paginator(result, PAGE_SIZE)
    paginator.count = total  # counted with the facets: no second COUNT over the result
    page = paginator.get_page(request.GET.get("page"))
    chips = facets.active_filters(filterset, query) if valid else []
    suggestion = None
    if valid and chips and not page.paginator.count:
        suggestion = facets.narrowest_filter(visible, query, chips)
    context = {
        "filter": filterset,
        "page": page,
        "querystring": query.urlencode(),
        "facets": facet_values,
        "chips": chips,
        "suggestion": suggestion,
        "saved_search": saved_searches.find_saved(user=request.user, query=query)
        if valid and query
        else None,
    }
    if request.htmx and request.htmx.target == "results":
        response = render(request, "clusters/includes/search_results.html", context)
    else:
        filterset.prepare_pickers()
        response = render(request, "clusters/organisation_list.html", context)
    if request.htmx:
        # The address bar shows the search without empty fields: short, shareable URLs.
        shown = query.copy()
        if page.number > 1:
            shown["page"] = str(page.number)
        response["HX-Push-Url"] = f"{request.path}?{shown.urlencode()}" if shown else request.path
    return response


def _get_visible(request: HttpRequest, slug: str, queryset=None) -> Organisation:
    qs = queryset if queryset is not None else selectors.organisations_visible_to(request.user)
    return get_object_or_404(qs, slug=slug)


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    org = _get_visible(request, slug, selectors.organisation_detail(request.user))
    criteria = selectors.eligibility_for(org) if org.is_cluster else []
    user = request.user
    return render(
        request,
        "clusters/organisation_detail.html",
        {
            "org": org,
            "criteria": criteria,
            "eligible": is_eligible(criteria) if criteria else False,
            "can_edit": user.has_perm("clusters.change_organisation", org),
            "can_verify": user.has_perm("clusters.verify_organisation", org),
            "can_see_contact": user.has_perm("clusters.view_organisation_contact", org),
            "membership_form": MembershipForm() if org.is_cluster else None,
        },
    )


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(user=request.user, fields=form.service_fields())
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request, f"“{org.name}” was created as a draft. Publish it when it is ready."
            )
            return redirect(org)
    return render(request, "clusters/organisation_form.html", {"form": form, "org": None})


@login_required
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    org = _get_visible(request, slug)
    if not request.user.has_perm("clusters.change_organisation", org):
        raise PermissionDenied("Only the organisation's managers can edit this profile.")
    form = OrganisationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=org, fields=form.service_fields())
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect(org)
    return render(request, "clusters/organisation_form.html", {"form": form, "org": org})


@login_required
@require_POST
def organisation_publish(request: HttpRequest, slug: str) -> HttpResponse:
    org = _get_visible(request, slug)
    if not request.user.has_perm("clusters.publish_organisation", org):
        raise PermissionDenied("Only the organisation's managers can publish this profile.")
    publish = request.POST.get("publish", "1") == "1"
    try:
        services.organisation_publish(organisation=org, publish=publish)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Profile published." if publish else "Profile is a draft again.")
    return redirect(org)


@login_required
@require_POST
def organisation_verify(request: HttpRequest, slug: str) -> HttpResponse:
    org = _get_visible(request, slug)
    verified = request.POST.get("verified", "1") == "1"
    services.organisation_verify(organisation=org, user=request.user, verified=verified)
    messages.success(request, "Marked as verified." if verified else "Verification removed.")
    return redirect(org)


def _managed_cluster(request: HttpRequest, slug: str) -> Organisation:
    org = _get_visible(request, slug)
    if not request.user.has_perm("clusters.change_organisation", org):
        raise PermissionDenied("Only the cluster's managers can change its members.")
    return org


@login_required
@require_POST
def membership_add(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = _managed_cluster(request, slug)
    form = MembershipForm(request.POST)
    if form.is_valid():
        try:
            services.membership_add(
                cluster=cluster,
                member=form.cleaned_data["member"],
                joined=form.cleaned_data["joined"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{form.cleaned_data['member'].name} added as a member.")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}".strip(": "))
    return redirect(f"{cluster.get_absolute_url()}#members")


@login_required
@require_POST
def membership_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cluster = _managed_cluster(request, slug)
    membership = get_object_or_404(
        Membership.objects.select_related("member"), pk=pk, cluster=cluster
    )
    services.membership_remove(membership=membership)
    messages.success(request, f"{membership.member.name} is no longer listed as a member.")
    return redirect(f"{cluster.get_absolute_url()}#members")


@login_required
def organisation_people(request: HttpRequest, slug: str) -> HttpResponse:
    """Managers give colleagues a role (manager or member) or take it away."""
    org = _get_visible(request, slug)
    if not request.user.has_perm("clusters.change_organisation", org):
        raise PermissionDenied("Only the organisation's managers can manage its people.")
    if request.method == "POST" and "revoke" in request.POST:
        if not request.POST["revoke"].isdigit():
            raise Http404("No such role.")
        grant = get_object_or_404(
            OrganisationRole.objects.select_related("user"),
            pk=request.POST["revoke"],
            organisation=org,
        )
        try:
            services.role_revoke(grant=grant)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{grant.user} no longer has a role here.")
        return redirect("clusters:organisation-people", slug=org.slug)
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.role_grant(organisation=org, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"{grant.user} is now {grant.get_role_display()}.")
            return redirect("clusters:organisation-people", slug=org.slug)
    roles = org.roles.select_related("user").order_by("role", "user__email")
    return render(
        request, "clusters/organisation_people.html", {"org": org, "roles": roles, "form": form}
    )


@login_required
def my_organisations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "clusters/my_organisations.html",
        {"roles": selectors.my_organisations(request.user)},
    )
