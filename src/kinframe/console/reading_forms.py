"""Forms for the console's reading pages (audit trail, investigations, reports): they only parse
the query string; a nonsense value is dropped with a message, never a server error."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms

from kinframe.audit.labels import ACTION_LABELS
from kinframe.facilities.models import Facility
from kinframe.investigations.selectors import (
    DECISION_APPROVED,
    DECISION_REJECTED,
    DECISION_UNDECIDED,
    FLAG_WATCHLIST,
    REASON_PREFIX,
)
from kinframe.photos.models import Photo, PhotoFlag
from kinframe.reports.selectors import PERIODS

DATE = forms.DateInput(attrs={"type": "date"})
NAMESPACE_LABELS = {
    "account": "Accounts", "api_client": "API clients", "case": "Cases",
    "connection": "Connections", "credits": "Credits", "facility": "Facility settings",
    "inmate": "People", "kiosk": "Kiosk sign-ins", "kiosk_device": "Kiosk screens",
    "payment": "Payments", "photo": "Photos", "purchase": "Purchases",
    "webhook_delivery": "Webhooks", "webhook_endpoint": "Webhooks",
}  # fmt: skip


def action_choices() -> list:
    """Every action, grouped by what it is about; a group's first entry picks all of it."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action, label in sorted(ACTION_LABELS.items()):
        namespace = action.split(".", 1)[0]
        groups.setdefault(namespace, []).append((action, label))
    choices: list = [("", "Anything")]
    for namespace, actions in groups.items():
        name = NAMESPACE_LABELS.get(namespace, namespace.replace("_", " ").capitalize())
        choices.append((name, [(f"{namespace}.", f"All: {name.lower()}"), *actions]))
    return choices


def day_bounds(facility: Facility, since: date | None, until: date | None):
    """Whole days at the facility as instants: [start of ``since``, start of the day after ``until``)."""
    tz = ZoneInfo(facility.time_zone)
    start = datetime.combine(since, time.min, tzinfo=tz) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz) if until else None
    return start, end


class AuditFilterForm(forms.Form):
    who = forms.CharField(
        label="Who", required=False, max_length=150,
        help_text="Username, email or inmate number",
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "audit-who"}),
    )  # fmt: skip
    action = forms.ChoiceField(label="What", required=False, choices=action_choices)
    since = forms.DateField(label="From", required=False, widget=DATE)
    until = forms.DateField(label="To", required=False, widget=DATE)
    target = forms.CharField(
        label="About", required=False, max_length=150,
        help_text="Photo id, inmate number or username",
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "audit-target"}),
    )  # fmt: skip


class PhotoSearchForm(forms.Form):
    sender = forms.CharField(
        label="Sender", required=False, max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "search-sender"}),
    )  # fmt: skip
    person = forms.CharField(
        label="Person (name or number)", required=False, max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "search-person"}),
    )  # fmt: skip
    sent_from = forms.DateField(label="Sent from", required=False, widget=DATE)
    sent_to = forms.DateField(label="Sent to", required=False, widget=DATE)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Photo.Status.choices]
    )
    decision = forms.ChoiceField(label="Decision", required=False)
    reviewer = forms.CharField(
        label="Reviewer", required=False, max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "search-reviewer"}),
    )  # fmt: skip
    sha256 = forms.RegexField(
        label="SHA-256 (or its start)", required=False, max_length=64, regex=r"^\s*[0-9a-fA-F]{6,64}\s*$",
        error_messages={"invalid": "Type at least 6 hexadecimal characters of the hash."},
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "search-hash"}),
    )  # fmt: skip

    flag = forms.ChoiceField(label="Flag", required=False)

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flag"].choices = [
            ("", "Any or no flag"),
            *PhotoFlag.Kind.choices,
            (FLAG_WATCHLIST, "Matched the watch list"),
        ]
        self.fields["decision"].choices = [
            ("", "Any decision"),
            (DECISION_APPROVED, "Approved"),
            (DECISION_REJECTED, "Rejected (any reason)"),
            (DECISION_UNDECIDED, "Not decided"),
            *[(f"{REASON_PREFIX}{r.code}", f"Rejected: {r.label}") for r in reasons],
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("sent_from"), data.get("sent_to")
        if start and end and start > end:
            self.add_error("sent_to", "The end is before the start.")
        return data


class ReportForm(forms.Form):
    period = forms.ChoiceField(
        label="By", required=False, choices=[(p, p.capitalize()) for p in PERIODS]
    )
    since = forms.DateField(label="From", required=False, widget=DATE)
    until = forms.DateField(label="To", required=False, widget=DATE)
    scope = forms.ChoiceField(
        label="For",
        required=False,
        choices=[("facility", "This facility"), ("agency", "The agency")],
    )

    MAX_DAYS = 800  # a little over two years of days in one chart

    def clean(self):
        data = super().clean()
        start, end = data.get("since"), data.get("until")
        if start and end and start > end:
            self.add_error("until", "The end is before the start.")
        elif start and end and (end - start).days > self.MAX_DAYS:
            self.add_error("since", "Choose at most two years.")
        return data
