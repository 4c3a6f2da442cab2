"""Contact request pages: send one to an organisation, answer the ones you received."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusterplatform.forms import form_errors_from
from clusters.models import Organisation, OrganisationRole

from . import contacts
from .models import ContactRequest


class ContactForm(forms.Form):
    sender = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="On behalf of")
    message = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Who you are and what you would like to explore together.",
    )

    def __init__(self, *args, user=None, recipient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sender"].queryset = Organisation.objects.filter(
            roles__user=user, roles__role=OrganisationRole.Role.MANAGER
        ).exclude(pk=recipient.pk)


@login_required
def contact_create(request: HttpRequest, slug: str) -> HttpResponse:
    recipient = get_object_or_404(Organisation.objects.published(), slug=slug)
    form = ContactForm(request.POST or None, user=request.user, recipient=recipient)
    if not form.fields["sender"].queryset.exists():
        messages.info(request, "Manage a published organisation to send contact requests.")
        return redirect(recipient)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.send_request(user=request.user, recipient=recipient, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Your request was sent to {recipient.name}.")
            return redirect("matchmaking:contact-list")
    return render(request, "matchmaking/contact_form.html", {"form": form, "recipient": recipient})


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    managed = OrganisationRole.objects.filter(
        user=request.user, role=OrganisationRole.Role.MANAGER
    ).values("organisation_id")
    rows = ContactRequest.objects.filter(
        Q(sender_id__in=managed) | Q(recipient_id__in=managed)
    ).select_related("sender", "recipient")
    own = {r["organisation_id"] for r in managed}
    return render(
        request,
        "matchmaking/contact_list.html",
        {
            "incoming": [r for r in rows if r.recipient_id in own],
            "outgoing": [r for r in rows if r.sender_id in own],
        },
    )


@login_required
@require_POST
def contact_answer(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(ContactRequest.objects.select_related("recipient"), pk=pk)
    accept = request.POST.get("answer") == "accept"
    try:
        contacts.answer_request(user=request.user, request=contact, accept=accept)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            "Accepted: you can now see each other's contact details." if accept else "Declined.",
        )
    return redirect("matchmaking:contact-list")
