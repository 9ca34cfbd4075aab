"""Every page of every audience, read by a Spanish reader, has no English sentence left.

Each page is rendered as its people would reach it (a sender, the account pages, a kiosk with a
person signed in, the console for each role) with Spanish chosen, and its visible words (text,
placeholders, button values, labels read aloud) are searched for English words that Spanish never
uses. What people typed (names, a facility's own reason labels) is data, not the interface, and is
taken out first; the brand and the language names are proper names.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from kinframe.credits.models import LedgerEntry
from kinframe.facilities.models import Agency, Facility, Inmate, RejectionReason, StaffMembership
from kinframe.notify.notices import unsubscribe_url
from kinframe.photos.models import Photo
from tests.console.test_console_permissions import ACCESS, URLS, World
from tests.factories import (
    ConnectionFactory,
    DeliveredPhotoFactory,
    PhotoFactory,
    PurchaseFactory,
    UserFactory,
)
from tests.kiosk.kiosk_helpers import kiosk_client, kiosk_screen

#: Words of the interface that are English and never Spanish. A page in Spanish shows none of them
#: outside people's own data.
ENGLISH = frozenset(
    """
    the your you with this that these photo photos send sent sign credits credit review approve
    approved reject rejected pending connection connections settings people help terms privacy
    contact history back next search password account delivered waiting choose buy balance
    statement download notifications notification add remove save cancel here what when how will
    are have has been not from our they their them who each every only more about please there yet
    none nothing new newer older page reviewer reviewers admin staff facility facilities person
    request requests blocked block ended end withdraw withdrawn refund refunded refunds into before
    after minutes hours days today yesterday welcome hello open opened closed or and of to in on
    at by is it all any can may must for was were be if an we my
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
#: Proper names and words both languages share, as they appear on pages.
ALLOWED = {"kinframe", "english", "email", "ok", "pin", "csv", "totp", "id", "sms", "url"}


class VisibleText(HTMLParser):
    """The words a person sees or hears: text outside scripts and styles, and the attributes
    that are shown or read aloud."""

    SHOWN = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        # translate="no" marks stored values shown as they are (an audit event's details).
        if tag in ("script", "style", "template", "noscript") or values.get("translate") == "no":
            self.hidden += 1
            self.stack.append(tag)
        for name in self.SHOWN:
            if values.get(name):
                self.chunks.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.chunks.append(values["value"])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.chunks.append(data)


def people_data() -> list[str]:
    """What people typed, longest first (so a name inside a longer one goes with it)."""
    values: set[str] = set()
    for facility in Facility.objects.all():
        values |= {facility.name, facility.code}
    values |= set(Agency.objects.values_list("name", flat=True))
    for reason in RejectionReason.objects.all():
        values |= {reason.label, reason.sender_message}
    values |= set(Photo.objects.values_list("original_name", flat=True))
    values |= set(LedgerEntry.objects.values_list("memo", flat=True))
    for person in Inmate.objects.all():
        values |= {person.first_name, person.last_name, person.number}
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.all():
        values |= {user.username, user.email, user.first_name, user.last_name}
    return sorted((v for v in values if v), key=len, reverse=True)


def english_left(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.chunks)
    for value in people_data():
        text = text.replace(value, " ")
    text = re.sub(r"https?://\S+", " ", text)  # links in notices
    found = []
    # A token with a digit, an underscore or an inner colon is an identifier (a photo's id
    # "b4bf…-36be-…", a ledger reference "photo_refund:2"), not words of the interface.
    for match in re.finditer(r"[\w'\u2019:-]+", text):
        token = match.group().rstrip(":")
        if any(ch.isdigit() or ch in "_:" for ch in token):
            continue
        for word in token.lower().split("-"):
            if word in ENGLISH and word not in ALLOWED:
                start = max(match.start() - 40, 0)
                found.append(f"{word!r} in …{' '.join(text[start : match.end() + 40].split())}…")
    return found


def check(client: Client, url: str, failures: dict[str, list[str]], *, status: int = 200) -> None:
    response = client.get(url, follow=False)
    assert response.status_code == status, f"{url}: {response.status_code}"
    assert response["Content-Language"] == "es", url
    left = english_left(response.content.decode())
    if left:
        failures[url] = left[:5]


def report(failures: dict[str, list[str]]) -> str:
    return "English left on pages read in Spanish:\n" + "\n".join(
        f"{url}\n    " + "\n    ".join(words) for url, words in failures.items()
    )


def spanish_client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    if user is not None:
        user.language = "es"
        user.save(update_fields=["language"])
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_sender_and_account_pages_read_in_spanish():
    sender = UserFactory(first_name="Rosa")
    connection = ConnectionFactory(sender=sender)
    DeliveredPhotoFactory(connection=connection)
    PhotoFactory(connection=connection, credits=100)
    purchase = PurchaseFactory(user=sender)
    facility = connection.inmate.facility
    failures: dict[str, list[str]] = {}

    stranger = Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    for url in [
        reverse("sender:landing"),
        *(reverse(f"sender:{slug}") for slug in ("help", "terms", "privacy", "contact")),
        reverse("sender:photo_rules", args=[facility.code]),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
    ]:
        check(stranger, url, failures)

    client = spanish_client(sender)
    for url in [
        reverse("sender:home"),
        reverse("sender:photos"),
        reverse("sender:photo_send", args=[connection.pk]),
        reverse("sender:search") + f"?facility={facility.pk}&q=zz",
        reverse("sender:connections"),
        reverse("sender:account_data"),
        reverse("sender:notifications"),
        reverse("sender:credits"),
        reverse("sender:purchase", args=[purchase.pk]),
        unsubscribe_url(sender).removeprefix("http://testserver"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("account_logout"),
        reverse("mfa_index"),
    ]:
        check(client, url, failures)
    assert not failures, report(failures)


@pytest.mark.django_db
def test_kiosk_pages_read_in_spanish():
    connection = ConnectionFactory(sender=UserFactory(first_name="Rosa"))
    person = connection.inmate
    person.language = "es"
    person.save(update_fields=["language"])
    photo = DeliveredPhotoFactory(connection=connection)
    ConnectionFactory(inmate=person, status="requested")
    failures: dict[str, list[str]] = {}

    screen = kiosk_screen(person.facility, HTTP_ACCEPT_LANGUAGE="es")
    check(screen, reverse("kiosk:sign_in"), failures)
    client = kiosk_client(person)
    for url in [
        reverse("kiosk:home"),
        reverse("kiosk:connections"),
        reverse("kiosk:photo", args=[photo.public_id]),
    ]:
        check(client, url, failures)
    assert not failures, report(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(StaffMembership.Role))
def test_console_pages_read_in_spanish(role):
    world = World()
    code = world.facility.code
    client = spanish_client(world.staff[role])
    failures: dict[str, list[str]] = {}
    check(client, reverse("console:home"), failures)
    for name, (may_get, _) in sorted(ACCESS.items()):
        if role not in may_get or name in {"photo_file", "review_heartbeat"}:
            continue
        url = reverse(f"console:{name}", kwargs=world.kwargs(URLS[name], code))
        check(client, url, failures)
    assert not failures, report(failures)


@pytest.mark.django_db
def test_the_detector_finds_english():
    """The check can fail: an English sentence in a Spanish page is caught, names are not."""
    assert english_left("<p>Tus fotos</p><button>Send the photo</button>")
    assert english_left('<input placeholder="Search by name">')
    assert not english_left("<p>Tus fotos llegaron</p><script>send the photo</script>")
    assert english_left("<p>Iniciar sign-in</p>")  # hyphenated words are words
    assert not english_left("<p>Foto b4bfd15a-36be-45ea-ab1e-683d203fdc23</p>")  # ids are not


@pytest.mark.django_db
def test_not_found_reads_in_spanish(settings):
    settings.DEBUG = False
    response = Client(HTTP_ACCEPT_LANGUAGE="es").get("/no-such-page/")
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()
    assert not english_left(response.content.decode())
    kiosk = Client(HTTP_ACCEPT_LANGUAGE="es").get("/kiosk/no-such-page/")
    assert kiosk.status_code == 404
    assert 'href="/kiosk/"' in kiosk.content.decode()
    assert 'href="/"' not in kiosk.content.decode()  # a kiosk's 404 leads only back to the kiosk
