"""Plain words for the audit trail's action codes.

Pages show ``action_label(event.action)``; an action missing here still reads as words (its code
with the dots and underscores turned into spaces), so a new kind of event never shows as a code.
"""

from __future__ import annotations

ACTION_LABELS: dict[str, str] = {
    "account.email_verified": "Email address verified",
    "account.mfa_enrolment_link_issued": "Second-factor enrolment link issued",
    "account.mfa_enrolment_link_used": "Second-factor enrolment link used",
    "account.phone_set": "Mobile number set",
    "account.phone_verified": "Mobile number verified",
    "api_client.access_changed": "API client's access changed",
    "api_client.changed": "API client changed",
    "api_client.created": "API client created",
    "api_client.revoked": "API client revoked",
    "api_client.secret_rotated": "API client's secret rotated",
    "case.exported": "Case exported",
    "connection.approved": "Connection approved",
    "connection.declined": "Connection declined",
    "connection.ended": "Connection ended",
    "connection.requested": "Connection requested",
    "credits.adjustment": "Credits adjusted",
    "credits.chargeback": "Credits taken back for a disputed payment",
    "credits.photo_charge": "Credits charged for a photo",
    "credits.photo_refund": "Credits refunded for a photo",
    "credits.purchase": "Credits bought",
    "credits.purchase_refund": "Credits refunded for a purchase",
    "facility.reason_added": "Rejection reason added",
    "facility.reason_changed": "Rejection reason changed",
    "facility.settings_changed": "Facility settings changed",
    "inmate.booked": "Person booked",
    "inmate.pin_changed": "Kiosk PIN changed",
    "inmate.readmitted": "Person readmitted",
    "inmate.rebooked": "Person booked again",
    "inmate.released": "Person released",
    "inmate.transferred": "Person transferred",
    "kiosk.locked_out": "Kiosk sign-in locked",
    "kiosk.lockouts_alert": "Kiosk lockout alert sent",
    "kiosk.sign_in_failed": "Kiosk sign-in failed",
    "kiosk.signed_in": "Signed in at the kiosk",
    "kiosk.signed_out": "Signed out of the kiosk",
    "kiosk_device.activated": "Kiosk screen activated",
    "kiosk_device.enrolled": "Kiosk screen enrolment code issued",
    "kiosk_device.revoked": "Kiosk screen revoked",
    "payment.amount_mismatch": "Payment amount did not match",
    "payment.webhook": "Payment notice received",
    "payment.webhook_rejected": "Payment notice refused",
    "photo.appealed": "Decision appealed",
    "photo.approved": "Approved",
    "photo.exported": "Exported in a case",
    "photo.failed": "Could not be processed",
    "photo.files_purged": "Files deleted after the retention period",
    "photo.legal_hold_placed": "Legal hold placed",
    "photo.legal_hold_released": "Legal hold released",
    "photo.processed": "Processed",
    "photo.rejected": "Rejected",
    "photo.decision_reversed": "Decision reversed",
    "photo.sent": "Sent",
    "photo.undeliverable": "Could not be delivered",
    "photo.viewed": "Viewed",
    "photo.withdrawn": "Withdrawn by the sender",
    "purchase.chargeback_simulated": "Disputed payment simulated",
    "purchase.charged_back": "Payment disputed",
    "purchase.checkout_started": "Checkout started",
    "purchase.created": "Purchase started",
    "purchase.failed": "Payment failed",
    "purchase.over_daily_limit": "Purchase over the daily limit",
    "purchase.paid": "Purchase paid",
    "purchase.refunded": "Purchase refunded",
    "webhook_delivery.replayed": "Webhook delivery replayed",
    "webhook_endpoint.created": "Webhook endpoint created",
    "webhook_endpoint.deactivated": "Webhook endpoint turned off",
}


def action_label(action: str) -> str:
    """``photo.rejected`` -> "Rejected"; an unknown ``flag.raised`` -> "Flag raised"."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
