"""A changed profile gets fresh suggestions, computed by a worker after the commit."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from clusters.models import SME, ClusterOrganisation, Organisation


@receiver(post_save, sender=Organisation)
@receiver(post_save, sender=ClusterOrganisation)
@receiver(post_save, sender=SME)
def profile_saved(sender, instance: Organisation, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from .tasks import recompute_organisation

    transaction.on_commit(partial(recompute_organisation.delay, instance.pk))
