"""Demo data: one agency, two facilities, a dozen people, staff (reviewers, admins, an investigator
per facility and one for the whole agency), a sender, an operator, one kiosk screen per facility
waiting for its enrolment code, and (``history=True``, as `kinframe demo` does) two months of
photos for the reports and searches.

Idempotent: running it again leaves one copy of everything, resets the demo passwords and PINs, and
issues each demo kiosk a fresh enrolment code (a browser enrolled before must enrol again).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction

from kinframe.accounts.models import User
from kinframe.audit.actors import Actor
from kinframe.connections.models import Connection
from kinframe.credits.models import LedgerEntry
from kinframe.credits.services import ledger_post
from kinframe.devices.models import KioskDevice
from kinframe.devices.services import kiosk_device_enrol
from kinframe.facilities.models import (
    Agency,
    AgencyMembership,
    Facility,
    Inmate,
    RejectionReason,
    StaffMembership,
)
from kinframe.ops.demo_history import load_history

DEMO_PASSWORD = "kinframe-demo"
DEMO_PIN = "582941"  # six digits that pass the kiosk PIN rules (kinframe.devices.pins)
DEMO_KIOSK = "Demo kiosk"

# code, label (staff), what the sender reads, and the same in Spanish (a facility's own words,
# typed by its staff, so written here rather than translated by the catalog).
REJECTION_REASONS = [
    ("nudity", "Nudity or sexual content", "The photo shows nudity or sexual content.",
     "La foto muestra desnudos o contenido sexual."),
    ("gang", "Gang signs or symbols", "The photo shows gang signs, symbols or clothing.",
     "La foto muestra señas, símbolos o ropa de pandillas."),
    ("weapons", "Weapons or drugs", "The photo shows weapons, drugs or drug use.",
     "La foto muestra armas, drogas o consumo de drogas."),
    ("text", "Writing or hidden messages", "The photo contains writing, codes or a message.",
     "La foto contiene escritura, códigos o un mensaje."),
    ("other", "Other policy reason", "The photo does not meet the facility's photo policy.",
     "La foto no cumple las normas de fotos del centro."),
]  # fmt: skip

PEOPLE = [
    ("LCJ", "A1001", "Marcus", "Hill"), ("LCJ", "A1002", "Dana", "Ortiz"),
    ("LCJ", "A1003", "James", "Carter"), ("LCJ", "A1004", "Renee", "Walker"),
    ("LCJ", "A1005", "Tomas", "Rivera"), ("LCJ", "A1006", "Keisha", "Brown"),
    ("NRD", "B2001", "Luis", "Moreno"), ("NRD", "B2002", "Alicia", "Young"),
    ("NRD", "B2003", "Derek", "Price"), ("NRD", "B2004", "Monique", "Evans"),
    ("NRD", "B2005", "Samuel", "Lee"), ("NRD", "B2006", "Crystal", "Adams"),
]  # fmt: skip


@dataclass(frozen=True)
class DemoLogin:
    role: str
    where: str
    login: str
    secret: str


def _user(username: str, email: str, **extra) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email, **extra})
    for field, value in {"email": email, **extra}.items():
        setattr(user, field, value)
    user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def load_demo(*, history: bool = False) -> list[DemoLogin]:
    agency, _ = Agency.objects.get_or_create(
        slug="lakeview", defaults={"name": "Lakeview County Sheriff's Office"}
    )
    facilities = {}
    for code, name, commission in [
        ("LCJ", "Lakeview County Jail", Decimal("10")),
        ("NRD", "North Ridge Detention Center", Decimal("12.5")),
    ]:
        facility, _ = Facility.objects.get_or_create(
            code=code.lower(), defaults={"agency": agency, "name": name}
        )
        facility.commission_percent = commission
        facility.save(update_fields=["commission_percent"])
        facilities[code] = facility
        for position, (reason_code, label, message, message_es) in enumerate(REJECTION_REASONS):
            reason, _ = RejectionReason.objects.get_or_create(
                facility=facility,
                code=reason_code,
                defaults={"label": label, "sender_message": message, "position": position},
            )
            if not reason.sender_message_es:  # a demo seeded before reasons had Spanish
                reason.sender_message_es = message_es
                reason.save(update_fields=["sender_message_es"])
    inmates = {}
    for code, number, first, last in PEOPLE:
        inmate, _ = Inmate.objects.get_or_create(
            agency=agency,
            number=number,
            defaults={"facility": facilities[code], "first_name": first, "last_name": last},
        )
        inmate.set_pin(DEMO_PIN)
        inmate.save(update_fields=["pin_hash"])
        inmates[number] = inmate

    logins = []
    for code, facility in facilities.items():
        for role in (
            StaffMembership.Role.REVIEWER,
            StaffMembership.Role.ADMIN,
            StaffMembership.Role.INVESTIGATOR,
        ):
            username = f"{code.lower()}.{role}"
            user = _user(username, f"{username}@lakeview.example")
            StaffMembership.objects.update_or_create(
                user=user, facility=facility, defaults={"role": role}
            )
            logins.append(DemoLogin(f"staff ({role})", facility.name, username, DEMO_PASSWORD))

    investigator = _user("lakeview.investigator", "investigator@lakeview.example")
    AgencyMembership.objects.update_or_create(
        user=investigator, agency=agency, defaults={"role": AgencyMembership.Role.INVESTIGATOR}
    )
    logins.append(
        DemoLogin(
            "investigator (agency)", "every Lakeview facility", investigator.username, DEMO_PASSWORD
        )
    )

    sender = _user("demo.sender", "sender@example.com", first_name="Grace")
    Connection.objects.get_or_create(
        sender=sender,
        inmate=inmates["A1001"],
        status=Connection.Status.APPROVED,
        defaults={"agency": agency, "relationship": "mother"},
    )
    ledger_post(
        user=sender,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        amount=1000,
        reference=f"demo-grant:{sender.pk}",
        memo="Demo credits",
        actor=Actor.system("demo"),
    )
    logins.insert(0, DemoLogin("sender", "the public site", "demo.sender", DEMO_PASSWORD))

    _user("operator", "operator@kinframe.example", is_staff=True, is_superuser=True)
    logins.append(DemoLogin("operator", "Django admin at /admin/", "operator", DEMO_PASSWORD))
    demo = Actor.system("demo")
    for facility in facilities.values():
        # Only the demo's own screen is replaced; kiosks staff enrolled stay as they are.
        KioskDevice.objects.filter(facility=facility, name=DEMO_KIOSK).delete()
        _, enrolment_code = kiosk_device_enrol(actor=demo, facility=facility, name=DEMO_KIOSK)
        logins.append(
            DemoLogin(
                "kiosk screen",
                facility.name,
                f"enrol at {settings.SITE_URL}/kiosk/enrol/",
                f"code {enrolment_code}  {settings.SITE_URL}/kiosk/enrol/?code={enrolment_code}",
            )
        )
    for number in ("A1001", "B2001"):
        inmate = inmates[number]
        logins.append(
            DemoLogin(
                "inmate (kiosk)",
                f"at the {inmate.facility.code} demo kiosk",
                f"inmate number {number}",
                f"PIN {DEMO_PIN}",
            )
        )
    if history:
        load_history(agency=agency, password=DEMO_PASSWORD)
    return logins
