"""Signals only maintain derived data, after the transaction commits.

- the completeness score: a Celery task;
- the full-text document (clusters/search.py): one UPDATE per transaction, whatever changed
  (the profile, its topics, or the name of its region or of a topic it uses).
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from . import search
from .models import SME, ClusterOrganisation, Organisation, Region, Topic

PROFILE_MODELS = (Organisation, ClusterOrganisation, SME)


@receiver(post_save, sender=Organisation)
@receiver(post_save, sender=ClusterOrganisation)
@receiver(post_save, sender=SME)
def profile_saved(sender, instance: Organisation, raw: bool = False, **kwargs) -> None:
    if raw:  # fixtures load raw rows; nothing to recompute
        return
    from .tasks import recompute_completeness

    transaction.on_commit(partial(recompute_completeness.delay, instance.pk))
    search.refresh_on_commit([instance.pk])


@receiver(m2m_changed, sender=Organisation.offers_topics.through)
@receiver(m2m_changed, sender=Organisation.looks_for_topics.through)
def topics_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if reverse:  # topic.offered_by.add(...): the organisations are in pk_set
        search.refresh_on_commit(pk_set or [])
    else:
        search.refresh_on_commit([instance.pk])


@receiver(post_save, sender=Region)
@receiver(post_save, sender=Topic)
def term_renamed(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created or raw:
        return
    if sender is Region:
        ids = Organisation.objects.filter(region=instance).values_list("pk", flat=True)
    else:
        ids = Organisation.objects.filter(
            pk__in=instance.offered_by.values("pk").union(instance.looked_for_by.values("pk"))
        ).values_list("pk", flat=True)
    search.refresh_on_commit(list(ids))
