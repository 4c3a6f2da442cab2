"""Contact requests between organisations: send, answer, notify; accepted ones reveal contacts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clusters.models import Organisation, OrganisationRole
from clusters.rules import organisation_ids_for

from .models import ContactRequest, SuggestionFeedback


def accepted_contact_ids(user) -> frozenset[int]:
    """Organisations that accepted (or whose request was accepted by) one of the user's
    organisations; cached per user so a list page costs one query."""
    cached = getattr(user, "_accepted_contacts", None)
    if cached is not None:
        return cached
    own = organisation_ids_for(user)
    ids: set[int] = set()
    if own:
        rows = ContactRequest.objects.filter(status=ContactRequest.Status.ACCEPTED)
        ids.update(rows.filter(sender_id__in=own).values_list("recipient_id", flat=True))
        ids.update(rows.filter(recipient_id__in=own).values_list("sender_id", flat=True))
    user._accepted_contacts = frozenset(ids)
    return user._accepted_contacts


@transaction.atomic
def send_request(*, user, sender: Organisation, recipient: Organisation, message: str):
    if not user.has_perm("clusters.change_organisation", sender):
        raise PermissionDenied("Only the organisation's managers send contact requests for it.")
    if not recipient.is_published:
        raise ValidationError({"recipient": "This organisation is not published."})
    if sender.pk == recipient.pk:
        raise ValidationError({"recipient": "An organisation cannot contact itself."})
    message = message.strip()
    if not message:
        raise ValidationError({"message": "Say why you would like to get in touch."})
    request = ContactRequest(sender=sender, recipient=recipient, sent_by=user, message=message)
    request.full_clean()  # the one-pending-per-pair constraint gives a clear message
    request.save()
    SuggestionFeedback.objects.get_or_create(
        organisation=sender,
        suggested=recipient,
        action=SuggestionFeedback.Action.CONTACTED,
        defaults={"user": user},
    )
    from .tasks import notify_contact_request

    transaction.on_commit(lambda: notify_contact_request.delay(request.pk))
    return request


@transaction.atomic
def answer_request(*, user, request: ContactRequest, accept: bool) -> ContactRequest:
    request = ContactRequest.objects.select_for_update().get(pk=request.pk)
    if not user.has_perm("clusters.change_organisation", request.recipient):
        raise PermissionDenied("Only the recipient's managers answer this request.")
    if request.status != ContactRequest.Status.PENDING:
        raise ValidationError({"status": f"This request was already {request.status}."})
    request.status = ContactRequest.Status.ACCEPTED if accept else ContactRequest.Status.DECLINED
    request.answered_by = user
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answered_by", "answered_at"])
    from .tasks import notify_contact_request

    transaction.on_commit(lambda: notify_contact_request.delay(request.pk))
    return request


def _manager_emails(org: Organisation) -> list[str]:
    return list(
        OrganisationRole.objects.filter(
            organisation=org, role=OrganisationRole.Role.MANAGER, user__is_active=True
        ).values_list("user__email", flat=True)
    )


@transaction.atomic
def notify(request_id: int) -> int:
    """Send whichever e-mail is due (received, then answered), each once; returns mails sent."""
    request = (
        ContactRequest.objects.select_for_update()
        .select_related("sender", "recipient")
        .get(pk=request_id)
    )
    link = settings.SITE_URL + reverse("matchmaking:contact-list")
    sent = 0
    if request.received_mail_sent_at is None:
        send_mail(
            f"{request.sender.name} would like to get in touch",
            f"{request.sender.name} sent {request.recipient.name} a contact request:\n\n"
            f"{request.message}\n\nAccept or decline it: {link}\n",
            None,
            _manager_emails(request.recipient),
        )
        request.received_mail_sent_at = timezone.now()
        sent += 1
    if request.status != ContactRequest.Status.PENDING and request.answer_mail_sent_at is None:
        verb = "accepted" if request.status == ContactRequest.Status.ACCEPTED else "declined"
        extra = " Its contact details are now on its profile for you." if verb == "accepted" else ""
        send_mail(
            f"{request.recipient.name} {verb} your contact request",
            f"{request.recipient.name} {verb} the contact request of {request.sender.name}."
            f"{extra}\n\n{link}\n",
            None,
            _manager_emails(request.sender),
        )
        request.answer_mail_sent_at = timezone.now()
        sent += 1
    request.save(update_fields=["received_mail_sent_at", "answer_mail_sent_at"])
    return sent
