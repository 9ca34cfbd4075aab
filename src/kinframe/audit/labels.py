"""Plain words for the audit trail's action codes.

Pages show ``action_label(event.action)``; an action missing here still reads as words (its code
with the dots and underscores turned into spaces), so a new kind of event never shows as a code.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: Lazy, so each page reads them in its reader's language.
ACTION_LABELS: dict[str, Promise] = {
    "account.closed": _("Account closed"),
    "account.email_verified": _("Email address verified"),
    "account.exported": _("Account data downloaded"),
    "account.language_set": _("Language chosen"),
    "account.mfa_enrolment_link_issued": _("Second-factor enrolment link issued"),
    "account.mfa_enrolment_link_used": _("Second-factor enrolment link used"),
    "account.phone_set": _("Mobile number set"),
    "account.phone_verified": _("Mobile number verified"),
    "api_client.access_changed": _("API client's access changed"),
    "api_client.changed": _("API client changed"),
    "api_client.created": _("API client created"),
    "api_client.revoked": _("API client revoked"),
    "api_client.secret_rotated": _("API client's secret rotated"),
    "block.created": _("Sender blocked"),
    "case.exported": _("Case exported"),
    "connection.approved": _("Connection approved"),
    "connection.blocked": _("Connection blocked by the person"),
    "connection.declined": _("Connection declined"),
    "connection.ended": _("Connection ended"),
    "connection.requested": _("Connection requested"),
    "credits.adjustment": _("Credits adjusted"),
    "credits.chargeback": _("Credits taken back for a disputed payment"),
    "credits.photo_charge": _("Credits charged for a photo"),
    "credits.photo_refund": _("Credits refunded for a photo"),
    "credits.purchase": _("Credits bought"),
    "credits.purchase_refund": _("Credits refunded for a purchase"),
    "facility.reason_added": _("Rejection reason added"),
    "facility.reason_changed": _("Rejection reason changed"),
    "facility.settings_changed": _("Facility settings changed"),
    "inmate.booked": _("Person booked"),
    "inmate.language_set": _("Kiosk language chosen"),
    "inmate.pin_changed": _("Kiosk PIN changed"),
    "inmate.pin_reset": _("Kiosk PIN reset by staff"),
    "inmate.readmitted": _("Person readmitted"),
    "inmate.rebooked": _("Person booked again"),
    "inmate.released": _("Person released"),
    "inmate.transferred": _("Person transferred"),
    "kiosk.locked_out": _("Kiosk sign-in locked"),
    "kiosk.lockouts_alert": _("Kiosk lockout alert sent"),
    "kiosk.sign_in_failed": _("Kiosk sign-in failed"),
    "kiosk.signed_in": _("Signed in at the kiosk"),
    "kiosk.signed_out": _("Signed out of the kiosk"),
    "kiosk_device.activated": _("Kiosk screen activated"),
    "kiosk_device.enrolled": _("Kiosk screen enrolment code issued"),
    "kiosk_device.revoked": _("Kiosk screen revoked"),
    "notifications.changed": _("Notification settings changed"),
    "payment.amount_mismatch": _("Payment amount did not match"),
    "payment.webhook": _("Payment notice received"),
    "payment.webhook_rejected": _("Payment notice refused"),
    "photo.appeal_granted": _("Appeal granted: delivered"),
    "photo.appeal_upheld": _("Appeal upheld: refunded"),
    "photo.appealed": _("Decision appealed"),
    "photo.approved": _("Approved"),
    "photo.decision_reversed": _("Decision reversed"),
    "photo.decision_undone": _("Decision undone"),
    "photo.exported": _("Exported in a case"),
    "photo.failed": _("Could not be processed"),
    "photo.files_purged": _("Files deleted after the retention period"),
    "photo.flagged": _("Flagged for review"),
    "photo.legal_hold_placed": _("Legal hold placed"),
    "photo.legal_hold_released": _("Legal hold released"),
    "photo.processed": _("Processed"),
    "photo.rejected": _("Rejected"),
    "photo.sent": _("Sent"),
    "photo.undeliverable": _("Could not be delivered"),
    "photo.viewed": _("Viewed"),
    "photo.watchlist_matched": _("Matched the watch list"),
    "photo.withdrawn": _("Withdrawn by the sender"),
    "purchase.chargeback_simulated": _("Disputed payment simulated"),
    "purchase.charged_back": _("Payment disputed"),
    "purchase.checkout_started": _("Checkout started"),
    "purchase.created": _("Purchase started"),
    "purchase.failed": _("Payment failed"),
    "purchase.over_daily_limit": _("Purchase over the daily limit"),
    "purchase.paid": _("Purchase paid"),
    "purchase.refunded": _("Purchase refunded"),
    "staff.added": _("Staff member added"),
    "staff.removed": _("Staff member removed"),
    "staff.role_changed": _("Staff role changed"),
    "suspension.created": _("Photos suspended"),
    "watchlist.added": _("Watch-list entry added"),
    "watchlist.removed": _("Watch-list entry removed"),
    "webhook_delivery.replayed": _("Webhook delivery replayed"),
    "webhook_endpoint.created": _("Webhook endpoint created"),
    "webhook_endpoint.deactivated": _("Webhook endpoint turned off"),
}


def action_label(action: str) -> str:
    """``photo.rejected`` -> "Rejected"; an unknown ``flag.raised`` -> "Flag raised"."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
