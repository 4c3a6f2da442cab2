"""Signals only enqueue derived-data recomputation, after the transaction commits."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import SME, ClusterOrganisation, Organisation


@receiver(post_save, sender=Organisation)
@receiver(post_save, sender=ClusterOrganisation)
@receiver(post_save, sender=SME)
def enqueue_completeness(sender, instance: Organisation, raw: bool = False, **kwargs) -> None:
    if raw:  # fixtures load raw rows; nothing to recompute
        return
    from .tasks import recompute_completeness

    transaction.on_commit(partial(recompute_completeness.delay, instance.pk))
