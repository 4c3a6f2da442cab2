"""The event's marketplace: what participants offer, ask for or propose to do together."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusterplatform.forms import form_errors_from
from clusters.filters import prepare_pickers

from . import selectors, services
from .filters import MarketplaceFilterSet
from .forms import MarketplaceItemForm
from .models import Event, MarketplaceItem, Registration
from .views import (
    locked,
    my_registration,
    paginate,
    querystring_without_page,
    request_buttons,
    visible_event,
)


def marketplace(request: HttpRequest, slug: str) -> HttpResponse:
    event = visible_event(request, slug)
    if not request.user.has_perm("events.view_participants", event):
        return locked(request, event, "marketplace")
    filterset = MarketplaceFilterSet(
        request.GET or None, queryset=selectors.marketplace(event).order_by("-created_at", "-pk")
    )
    valid = not filterset.is_bound or filterset.is_valid()
    page = paginate(request, filterset.qs if valid else filterset.queryset.none())
    prepare_pickers(filterset, "sector", "technology")
    mine = my_registration(request.user, event)
    buttons = request_buttons(event, mine)
    for item in page:
        item.open_request = buttons["open_requests"].get(item.registration_id)
    return render(
        request,
        "events/marketplace.html",
        {
            "event": event,
            "filter": filterset,
            "page": page,
            "querystring": querystring_without_page(request),
            "mine": mine,
            "can_post": mine is not None
            and mine.status == Registration.Status.APPROVED
            and not event.has_ended,
            **buttons,
        },
    )


def _save(
    request: HttpRequest,
    event: Event,
    registration: Registration,
    item: MarketplaceItem | None,
) -> HttpResponse:
    form = MarketplaceItemForm(request.POST if request.method == "POST" else None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_marketplace_item(
                user=request.user,
                registration=registration,
                fields=form.service_fields(),
                item=item,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"“{saved.title}” is in the marketplace.")
            return redirect("events:marketplace", slug=event.slug)
    return render(request, "events/item_form.html", {"event": event, "form": form, "item": item})


@login_required
def item_create(request: HttpRequest, slug: str) -> HttpResponse:
    event = visible_event(request, slug)
    mine = my_registration(request.user, event)
    if mine is None or mine.status != Registration.Status.APPROVED:
        raise PermissionDenied("Only approved participants post in the marketplace.")
    return _save(request, event, mine, None)


def _own_item(request: HttpRequest, event: Event, pk: int) -> MarketplaceItem:
    item = get_object_or_404(
        MarketplaceItem.objects.select_related("registration__event"),
        pk=pk,
        registration__event=event,
    )
    if not request.user.has_perm("events.change_registration", item.registration):
        raise PermissionDenied("Only the participant who posted it changes this item.")
    return item


@login_required
def item_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = visible_event(request, slug)
    item = _own_item(request, event, pk)
    return _save(request, event, item.registration, item)


@login_required
@require_POST
def item_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = visible_event(request, slug)
    item = _own_item(request, event, pk)
    services.delete_marketplace_item(user=request.user, item=item)
    messages.success(request, f"“{item.title}” was removed from the marketplace.")
    return redirect("events:marketplace", slug=event.slug)
