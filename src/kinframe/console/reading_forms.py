"""Forms for the console's reading pages (audit trail, investigations, reports): they only parse
the query string; a nonsense value is dropped with a message, never a server error."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

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
from kinframe.reports.selectors import PERIOD_NAMES, PERIODS

DATE = forms.DateInput(attrs={"type": "date"})
NAMESPACE_LABELS = {
    "account": _("Accounts"), "api_client": _("API clients"), "block": _("Blocks"),
    "case": _("Cases"), "connection": _("Connections"), "credits": _("Credits"),
    "facility": _("Facility settings"), "inmate": _("People"), "kiosk": _("Kiosk sign-ins"),
    "kiosk_device": _("Kiosk screens"), "notifications": _("Notifications"),
    "payment": _("Payments"), "photo": _("Photos"), "purchase": _("Purchases"),
    "staff": _("Staff"), "suspension": _("Suspensions"), "watchlist": _("Watch list"),
    "webhook_delivery": _("Webhooks"), "webhook_endpoint": _("Webhooks"),
}  # fmt: skip


def action_choices() -> list:
    """Every action, grouped by what it is about; a group's first entry picks all of it. Called
    each time the form renders, so the labels are in the reader's language."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action, label in sorted(ACTION_LABELS.items()):
        namespace = action.split(".", 1)[0]
        groups.setdefault(namespace, []).append((action, str(label)))
    choices: list = [("", gettext("Anything"))]
    for namespace, actions in groups.items():
        name = str(NAMESPACE_LABELS.get(namespace, namespace.replace("_", " ").capitalize()))
        every = gettext("All: %(group)s") % {"group": name.lower()}
        choices.append((name, [(f"{namespace}.", every), *actions]))
    return choices


def day_bounds(facility: Facility, since: date | None, until: date | None):
    """Whole days at the facility as instants: [start of ``since``, start of the day after ``until``)."""
    tz = ZoneInfo(facility.time_zone)
    start = datetime.combine(since, time.min, tzinfo=tz) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz) if until else None
    return start, end


class AuditFilterForm(forms.Form):
    who = forms.CharField(
        label=_("Who"), required=False, max_length=150,
        help_text=_("Username, email or inmate number"),
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "audit-who"}),
    )  # fmt: skip
    action = forms.ChoiceField(label=_("What"), required=False, choices=action_choices)
    since = forms.DateField(
        label=pgettext_lazy("since a date", "From"), required=False, widget=DATE
    )
    until = forms.DateField(label=pgettext_lazy("until a date", "To"), required=False, widget=DATE)
    target = forms.CharField(
        label=_("About"), required=False, max_length=150,
        help_text=_("Photo id, inmate number or username"),
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "audit-target"}),
    )  # fmt: skip


class PhotoSearchForm(forms.Form):
    sender = forms.CharField(
        label=_("Sender"), required=False, max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "search-sender"}),
    )  # fmt: skip
    person = forms.CharField(
        label=_("Person (name or number)"), required=False, max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "search-person"}),
    )  # fmt: skip
    sent_from = forms.DateField(label=_("Sent from"), required=False, widget=DATE)
    sent_to = forms.DateField(label=_("Sent to"), required=False, widget=DATE)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Photo.Status.choices]
    )
    decision = forms.ChoiceField(label=_("Decision"), required=False)
    reviewer = forms.CharField(
        label=_("Reviewer"), required=False, max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "search-reviewer"}),
    )  # fmt: skip
    sha256 = forms.RegexField(
        label=_("SHA-256 (or its start)"), required=False, max_length=64,
        regex=r"^\s*[0-9a-fA-F]{6,64}\s*$",
        error_messages={"invalid": _("Type at least 6 hexadecimal characters of the hash.")},
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "search-hash"}),
    )  # fmt: skip

    flag = forms.ChoiceField(label=_("Flag"), required=False)

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flag"].choices = [
            ("", _("Any or no flag")),
            *PhotoFlag.Kind.choices,
            (FLAG_WATCHLIST, _("Matched the watch list")),
        ]
        self.fields["decision"].choices = [
            ("", _("Any decision")),
            (DECISION_APPROVED, pgettext_lazy("photos", "Approved")),
            (DECISION_REJECTED, _("Rejected (any reason)")),
            (DECISION_UNDECIDED, _("Not decided")),
            *[
                (f"{REASON_PREFIX}{r.code}", gettext("Rejected: %(reason)s") % {"reason": r.label})
                for r in reasons
            ],
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("sent_from"), data.get("sent_to")
        if start and end and start > end:
            self.add_error("sent_to", gettext("The end is before the start."))
        return data


class ReportForm(forms.Form):
    period = forms.ChoiceField(
        label=_("By"), required=False, choices=[(p, PERIOD_NAMES[p]) for p in PERIODS]
    )
    since = forms.DateField(
        label=pgettext_lazy("since a date", "From"), required=False, widget=DATE
    )
    until = forms.DateField(label=pgettext_lazy("until a date", "To"), required=False, widget=DATE)
    scope = forms.ChoiceField(
        label=_("For"),
        required=False,
        choices=[("facility", _("This facility")), ("agency", _("The agency"))],
    )

    MAX_DAYS = 800  # a little over two years of days in one chart

    def clean(self):
        data = super().clean()
        start, end = data.get("since"), data.get("until")
        if start and end and start > end:
            self.add_error("until", gettext("The end is before the start."))
        elif start and end and (end - start).days > self.MAX_DAYS:
            self.add_error("since", gettext("Choose at most two years."))
        return data
