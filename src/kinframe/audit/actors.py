"""Who is acting: one value that every service takes as ``actor: Actor``.

Each audience's gate builds the actor once (the sender site from the signed-in user, the kiosk from
the signed-in person, the console from the staff membership, the API from its client, the admin
from the operator), and services pass it down unchanged to ``audit_log`` and to the services they
call. A service never guesses who acted from the type of an argument.

The audit app sits at the bottom of the domain layers, so this module names the other apps' models
for type checking only and reads them by attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from .models import AuditEvent

if TYPE_CHECKING:
    from kinframe.accounts.models import User
    from kinframe.facilities.models import Facility, Inmate, StaffMembership


class ApiClient(Protocol):
    """An agency's or a tablet vendor's system (``kinframe.api.models.ApiClient``, an audience's
    model, which the domain must not import)."""

    @property
    def pk(self) -> object: ...

    @property
    def name(self) -> str: ...


Kind = AuditEvent.ActorKind


@dataclass(frozen=True, eq=False)
class Actor:
    """A person or system acting through one of Kinframe's doors.

    ``user`` is set for senders, staff and operators; ``inmate`` for a person at the kiosk or a
    tablet; ``membership`` for staff acting at one facility; ``api_client`` for an agency's or a
    tablet vendor's system. ``system`` acts for tasks and commands nobody started by hand.
    """

    Kind: ClassVar[type[AuditEvent.ActorKind]] = AuditEvent.ActorKind

    kind: str
    label: str
    user: User | None = None
    inmate: Inmate | None = None
    membership: StaffMembership | None = None
    api_client: ApiClient | None = None

    # --- Builders, one per door ---------------------------------------------------------------
    @classmethod
    def sender(cls, user: User) -> Actor:
        return cls(kind=Kind.SENDER, label=user.get_username(), user=user)

    @classmethod
    def inmate_at_kiosk(cls, inmate: Inmate) -> Actor:
        return cls(kind=Kind.INMATE, label=f"#{inmate.number}", inmate=inmate)

    @classmethod
    def staff(cls, membership: StaffMembership) -> Actor:
        """A facility's staff member. An operator working in the console acts as an operator."""
        user = membership.user
        kind = Kind.OPERATOR if user.is_superuser else Kind.STAFF
        return cls(kind=kind, label=user.get_username(), user=user, membership=membership)

    @classmethod
    def operator(cls, user: User) -> Actor:
        return cls(kind=Kind.OPERATOR, label=user.get_username(), user=user)

    @classmethod
    def for_user(cls, user: User) -> Actor:
        """A signed-in user outside the console: an operator if a superuser, else a sender."""
        return cls.operator(user) if user.is_superuser else cls.sender(user)

    @classmethod
    def client(cls, api_client: ApiClient) -> Actor:
        return cls(kind=Kind.API_CLIENT, label=f"api:{api_client.name}", api_client=api_client)

    @classmethod
    def system(cls, label: str = "") -> Actor:
        return cls(kind=Kind.SYSTEM, label=label)

    # --- Questions services ask -----------------------------------------------------------------
    @property
    def facility(self) -> Facility | None:
        """The facility a staff member acts at (None for everyone else)."""
        return self.membership.facility if self.membership is not None else None

    @property
    def is_staff(self) -> bool:
        return self.membership is not None

    def is_admin_of(self, facility: Facility) -> bool:
        """An operator, or a facility admin acting at ``facility``."""
        if self.kind == Kind.OPERATOR:
            return True
        membership = self.membership
        return (
            membership is not None
            and membership.facility_id == facility.pk
            and membership.role == "admin"  # StaffMembership.Role.ADMIN; no import downwards
        )

    def __str__(self) -> str:
        return self.label or str(self.kind)


SYSTEM = Actor.system()
