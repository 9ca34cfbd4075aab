"""A sender's rights over their account: take a copy of everything held about them, or close it.

They sit above payments, custody and photos, whose records they read and whose services they
call. Closing never deletes what a facility or the card rules require to be kept (the photos
sent and their reviews, views and audit trail; the ledger and payment records): it refunds the
unspent credits, ends the connections, and removes what lets anyone sign in or reach the person.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinframe.audit.actors import Actor
from kinframe.audit.services import audit_log
from kinframe.connections.models import Connection
from kinframe.connections.selectors import connections_for_sender
from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of
from kinframe.custody.services import connection_end
from kinframe.notify.models import NotificationPreference
from kinframe.payments.errors import RefundError
from kinframe.payments.refunds import purchase_refund_unspent
from kinframe.payments.selectors import purchases_for, refundable_purchases
from kinframe.photos.models import Photo
from kinframe.photos.selectors import photos_sent_by

#: What closing an account keeps, and why; the close page shows it before anyone confirms.
KEPT_AFTER_CLOSING = (
    _(
        "The photos you sent, who they went to and what the facility decided, kept for the "
        "facility's retention period because facilities must keep records of what reaches the "
        "people they hold."
    ),
    _("Your name and username on those records, so the facility's records stay complete."),
    _(
        "Your credit purchases and ledger, kept for seven years as tax and card rules require "
        "(only the card's brand and last four digits; we never had the card number)."
    ),
)
DELETED_AFTER_CLOSING = (
    _(
        "Your email addresses, mobile number and password: nobody can sign in as you or "
        "contact you."
    ),
    _("Your connections, which end; photos still waiting for review are refunded."),
    _("Your notification settings."),
)


class AccountCloseError(Exception):
    """Closing was refused; nothing changed. The message is for the person."""


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["none"])
    writer.writeheader()
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow(
            {k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()}
        )
    return out.getvalue()


def account_export(*, actor: Actor) -> bytes:
    """Everything held about ``actor.user`` as a ZIP: profile, connections, photos sent and their
    statuses, purchases and the credit statement. Recorded in the audit trail."""
    user = actor.user
    if user is None:
        raise ValueError("Only a signed-in person can download their data.")
    profile = {
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user)
        ],
        "phone": user.phone,
        "phone_verified": user.phone_verified,
        "date_joined": user.date_joined.isoformat(),
        "balance_credits": balance_of(user),
        "exported_at": timezone.now().isoformat(),
    }
    connections = [
        {
            "person": c.inmate.full_name,
            "inmate_number": c.inmate.number,
            "facility": c.inmate.facility.name,
            "relationship": c.relationship,
            "status": c.status,
            "asked_at": c.created_at.isoformat(),
            "decided_at": c.decided_at.isoformat() if c.decided_at else "",
        }
        for c in connections_for_sender(sender=user)
    ]
    photos = [
        {
            "photo": str(p.public_id),
            "to": p.inmate.full_name,
            "facility": p.facility.name,
            "file_name": p.original_name,
            "status": p.status,
            "price_credits": p.price,
            "sent_at": p.created_at.isoformat(),
            "reviewed_at": p.reviewed_at.isoformat() if p.reviewed_at else "",
            "rejection_reason": p.rejection_reason.sender_message if p.rejection_reason else "",
        }
        for p in photos_sent_by(sender=user).select_related("rejection_reason", "facility")
    ]
    purchases = [
        {
            "purchase": p.pk,
            "created_at": p.created_at.isoformat(),
            "credits": p.credits,
            "amount_cents": p.amount_cents,
            "status": p.status,
            "card": p.card_label,
            "refunded_credits": p.refunded_credits,
        }
        for p in purchases_for(user=user)
    ]
    entries = [
        {
            "at": e.created_at.isoformat(),
            "kind": e.kind,
            "amount": e.amount,
            "balance_after": e.balance_after,
            "reference": e.reference,
            "memo": e.memo,
        }
        for e in LedgerEntry.objects.filter(wallet__user=user).order_by("created_at", "id")
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("profile.json", json.dumps(profile, indent=2, ensure_ascii=False))
        for name, rows in (
            ("connections.csv", connections),
            ("photos.csv", photos),
            ("purchases.csv", purchases),
            ("statement.csv", entries),
        ):
            archive.writestr(name, _csv(rows))
        archive.writestr(
            "README.txt",
            "Everything Kinframe holds about your account, as of "
            f"{profile['exported_at']}. The photos themselves belong to the facility's records;\n"
            "this list says what happened to each one you sent.\n",
        )
    audit_log(
        "account.exported",
        actor=actor,
        target=user,
        data={"connections": len(connections), "photos": len(photos)},
    )
    return buffer.getvalue()


def account_close(*, actor: Actor) -> None:
    """Close ``actor.user``'s account: refund unspent purchased credits to the card first (each
    purchase in its own transaction, as refunds must be), then, in one transaction, end the
    connections and remove the sign-in and contact details. Refused, with nothing changed, if a
    refund fails: the person must not lose money by closing."""
    user = actor.user
    if user is None or not user.is_active:
        raise AccountCloseError(gettext("This account is already closed."))
    if Photo.objects.filter(sender=user, status=Photo.Status.RECEIVED).exists():
        raise AccountCloseError(
            gettext("A photo you sent is still being prepared; try again in a minute.")
        )
    _refund_unspent(actor)
    # Ending the connections refunds photos still waiting for review into the wallet, so those
    # credits go back to the card in a second pass rather than staying in a closed account.
    for pk in Connection.objects.filter(
        sender=user, status__in=Connection.OPEN_STATUSES
    ).values_list("pk", flat=True):
        connection_end(connection=pk, actor=actor)
    _refund_unspent(actor)
    _close(actor=actor)


def _refund_unspent(actor: Actor) -> None:
    user = actor.user
    if balance_of(user) > 0 and refundable_purchases(user=user).exists():
        try:
            purchase_refund_unspent(actor=actor)
        except RefundError as exc:
            raise AccountCloseError(
                gettext("%(reason)s Your account is still open; try again later or contact us.")
                % {"reason": exc}
            ) from exc


@transaction.atomic
def _close(*, actor: Actor) -> None:
    assert actor.user is not None
    user = get_user_model().objects.select_for_update().get(pk=actor.user.pk)
    EmailAddress.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    user.email, user.phone, user.phone_verified, user.is_active = "", "", False, False
    user.set_unusable_password()
    user.save()
    audit_log(
        "account.closed",
        actor=actor,
        target=user,
        data={"balance_left": balance_of(user)},
    )
