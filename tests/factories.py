"""factory_boy factories for domain data. Tests build exactly what they need with these."""

import factory
from allauth.account.models import EmailAddress

from kinframe.accounts.models import User
from kinframe.audit.actors import SYSTEM
from kinframe.connections.models import Connection
from kinframe.credits.models import LedgerEntry
from kinframe.credits.services import ledger_post
from kinframe.facilities.models import Agency, Facility, Inmate, RejectionReason, StaffMembership

PASSWORD = "correct horse battery staple"
PIN = "730416"  # six digits that pass the kiosk PIN rules (kinframe.devices.pins)


class UserFactory(factory.django.DjangoModelFactory):
    """A sender with a verified email address, able to use the site."""

    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"sender{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"County {n} Sheriff")
    slug = factory.Sequence(lambda n: f"county-{n}")


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"fac{n}")
    name = factory.Sequence(lambda n: f"Facility {n}")

    @factory.post_generation
    def reasons(self, create, extracted, **kwargs):
        if create and extracted is not False:
            RejectionReason.objects.create(
                facility=self, code="policy", label="Against policy",
                sender_message="The photo does not meet the facility's photo policy.",
            )  # fmt: skip


class InmateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inmate
        skip_postgeneration_save = True

    facility = factory.SubFactory(FacilityFactory)
    agency = factory.LazyAttribute(lambda i: i.facility.agency)
    number = factory.Sequence(lambda n: f"N{n:05d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def pin(self, create, extracted, **kwargs):
        self.set_pin(extracted or PIN)
        if create:
            self.save(update_fields=["pin_hash"])


class StaffFactory(UserFactory):
    """A staff member; pass ``facility=`` and optionally ``role=``."""

    username = factory.Sequence(lambda n: f"staff{n}")

    @factory.post_generation
    def facility(self, create, extracted, **kwargs):
        if create and extracted is not None:
            StaffMembership.objects.create(
                user=self,
                facility=extracted,
                role=kwargs.get("role", StaffMembership.Role.REVIEWER),
            )


class ConnectionFactory(factory.django.DjangoModelFactory):
    """An approved connection unless ``status=`` says otherwise."""

    class Meta:
        model = Connection

    sender = factory.SubFactory(UserFactory)
    inmate = factory.SubFactory(InmateFactory)
    agency = factory.LazyAttribute(lambda c: c.inmate.agency)
    status = Connection.Status.APPROVED


def give_credits(user, amount: int, reference: str | None = None) -> None:
    """Put credits in a wallet through the ledger, as an operator's adjustment would."""
    ledger_post(
        user=user,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        amount=amount,
        reference=reference or f"test-grant:{user.pk}:{LedgerEntry.objects.count()}",
        memo="Test credits",
        actor=SYSTEM,
    )
