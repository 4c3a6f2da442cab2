"""factory_boy factories for the models tests build most often."""

from __future__ import annotations

import factory
from django.utils.text import slugify

from clusterplatform.accounts.models import User
from clusters.models import Membership, Organisation, OrganisationRole, Sector
from clusters.search import refresh_search_vectors

PASSWORD = "a-Strong-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Organisation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = "sme"
    status = "published"
    country = "DE"
    city = "Berlin"
    description = factory.LazyAttribute(lambda o: f"{o.name} works on testing things.")
    website = factory.LazyAttribute(lambda o: f"https://{o.slug}.example.org")
    contact_name = "Erika Mustermann"
    contact_email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example.org")
    contact_phone = "+49 30 1234567"

    @factory.post_generation
    def sectors(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.sectors.set(Sector.objects.filter(code__in=extracted))

    @factory.post_generation
    def _search_document(obj, create, extracted, **kwargs):
        # Tests run inside a transaction that never commits: build the document now.
        if create:
            refresh_search_vectors([obj.pk])

    @staticmethod
    def add_person(org: Organisation, role: str = "manager", user: User | None = None) -> User:
        user = user or UserFactory()
        OrganisationRole.objects.create(user=user, organisation=org, role=role)
        return user

    @staticmethod
    def add_member(cluster: Organisation, member: Organisation) -> Membership:
        return Membership.objects.create(cluster=cluster, member=member)


def make_event(*, organiser: User | None = None, windows: int = 2, **fields):
    """A published event a week from now, open for registration, with ``windows`` sessions of
    three hours (one per day, 09:00-12:00 in the event's zone)."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from events.models import Event, SessionWindow

    tz_name = fields.pop("time_zone", "Europe/Brussels")
    import zoneinfo

    tz = zoneinfo.ZoneInfo(tz_name)
    day = (timezone.now() + timedelta(days=7)).astimezone(tz).date()
    starts = datetime.combine(day, time(8, 0), tz)
    ends = datetime.combine(day + timedelta(days=max(windows, 1) - 1), time(18, 0), tz)
    defaults = {
        "name": f"Test Event {Event.objects.count() + 1}",
        "kind": "b2b",
        "format": "onsite",
        "status": "published",
        "city": "Brussels",
        "country": "BE",
        "time_zone": tz_name,
        "starts_at": starts,
        "ends_at": ends,
        "registration_deadline": starts - timedelta(days=1),
    }
    defaults.update(fields)
    if "slug" not in defaults:
        defaults["slug"] = slugify(defaults["name"])
    event = Event.objects.create(**defaults)
    for i in range(windows):
        d = day + timedelta(days=i)
        SessionWindow.objects.create(
            event=event,
            label=f"Day {i + 1} morning",
            starts_at=datetime.combine(d, time(9, 0), tz),
            ends_at=datetime.combine(d, time(12, 0), tz),
        )
    if organiser is not None:
        event.organisers.add(organiser)
    return event


def make_participant(event, *, status: str = "approved", kind: str = "sme", **org_fields):
    """A person, their (published) organisation, and their registration for ``event``."""
    from events.models import Registration

    org = OrganisationFactory(kind=kind, **org_fields)
    person = OrganisationFactory.add_person(org, role="manager")
    return Registration.objects.create(event=event, organisation=org, person=person, status=status)
