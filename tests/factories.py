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
