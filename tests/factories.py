"""factory_boy factories for domain data. Tests build exactly what they need with these."""

import io

import factory
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from kinframe.accounts.models import User
from kinframe.audit.actors import SYSTEM
from kinframe.connections.models import Connection
from kinframe.credits.models import LedgerEntry
from kinframe.credits.services import credits_charge_photo, ledger_post
from kinframe.facilities.models import Agency, Facility, Inmate, RejectionReason, StaffMembership
from kinframe.payments.models import Purchase
from kinframe.photos.models import Photo

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


class PurchaseFactory(factory.django.DjangoModelFactory):
    """A purchase whose checkout is open (a session id, not paid yet), as ``purchase_checkout``
    leaves it. Pay it through a webhook or ``purchase_confirm`` so the ledger has its credits;
    ``paid=True`` only marks the row (no ledger entry), for tests about records, not balances."""

    class Meta:
        model = Purchase

    class Params:
        paid = factory.Trait(
            status=Purchase.Status.PAID,
            paid_at=factory.LazyFunction(timezone.now),
            card_brand="visa",
            card_last4="4242",
        )

    user = factory.SubFactory(UserFactory)
    credits = 500
    amount_cents = factory.LazyAttribute(lambda p: p.credits)
    provider = "sandbox"
    provider_reference = factory.Sequence(lambda n: f"cs_factory_{n}")


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


def _jpeg(size: tuple[int, int], color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


class PhotoFactory(factory.django.DjangoModelFactory):
    """A processed photo as the photos app leaves it: a display JPEG and a thumbnail in private
    storage, waiting for review unless ``status=`` says otherwise; ``created_at=`` backdates it.
    Sending charges a photo's price through the ledger: ``charged=True`` or ``credits=N`` do too.
    """

    class Meta:
        model = Photo
        skip_postgeneration_save = True

    connection = factory.SubFactory(ConnectionFactory)
    sender = factory.LazyAttribute(lambda p: p.connection.sender)
    inmate = factory.LazyAttribute(lambda p: p.connection.inmate)
    facility = factory.LazyAttribute(lambda p: p.connection.inmate.facility)
    status = Photo.Status.PENDING_REVIEW
    price = 100
    width = 480
    height = 320
    original_name = "photo.jpg"

    @factory.post_generation
    def files(self, create, extracted, **kwargs):
        """Processing writes the files; a photo still received, or failed, has none."""
        unprocessed = self.status in (Photo.Status.RECEIVED, Photo.Status.FAILED)
        if create and extracted is not False and not unprocessed:
            self.image.save("display.jpg", ContentFile(_jpeg((self.width, self.height))), False)
            self.thumbnail.save("thumb.jpg", ContentFile(_jpeg((48, 32))), save=False)
            self.save(update_fields=["image", "thumbnail"])

    @factory.post_generation
    def credits(self, create, extracted, **kwargs):
        """``credits=N`` puts N credits in the sender's wallet and charges the photo from them."""
        if create and extracted:
            give_credits(self.sender, extracted)
            credits_charge_photo(photo=self)

    @factory.post_generation
    def charged(self, create, extracted, **kwargs):
        """``charged=True`` takes the price from credits already in the wallet."""
        if create and extracted:
            credits_charge_photo(photo=self)  # its ledger reference makes a second charge a no-op

    @factory.post_generation
    def created_at(self, create, extracted, **kwargs):
        if create and extracted is not None:
            Photo.objects.filter(pk=self.pk).update(created_at=extracted)
            self.created_at = extracted


class DeliveredPhotoFactory(PhotoFactory):
    """A photo a reviewer approved: the recipient can see it."""

    status = Photo.Status.APPROVED
    reviewed_at = factory.LazyFunction(timezone.now)
