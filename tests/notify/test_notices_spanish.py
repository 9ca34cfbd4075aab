"""A sender who chose Spanish reads every notice in Spanish, whoever caused it and in whatever
language that staff member works; an English sender keeps English. The facility's own words for a
rejection are shown in Spanish when the facility wrote them, else in English.

Needs the compiled Spanish catalog (src/kinframe/locale), built from the merged translations.
"""

import pytest
from allauth.account.models import EmailAddress
from django.template.loader import render_to_string
from django.utils import translation
from tests.actors import as_inmate, as_sender, as_staff
from tests.factories import ConnectionFactory, PhotoFactory, StaffFactory, UserFactory

from kinframe.connections.models import Connection
from kinframe.connections.services import connection_approve
from kinframe.notify.models import NotificationPreference, OutboxMessage
from kinframe.notify.notices import notification_preference_set
from kinframe.photos.services import photo_approve, photo_reject

pytestmark = pytest.mark.django_db

REASON_ES = "La foto no cumple las normas de fotos del centro."


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def reached_both_ways(user, phone: str):
    """``user`` hears by email and SMS."""
    user.phone, user.phone_verified = phone, True
    user.save()
    notification_preference_set(
        actor=as_sender(user), channels=NotificationPreference.Channels.BOTH, low_balance=False
    )
    return user


@pytest.fixture
def spanish_sender(db):
    return reached_both_ways(UserFactory(username="madre", language="es"), "+12025550141")


@pytest.fixture
def english_sender(db):
    return reached_both_ways(UserFactory(username="mother", language="en"), "+12025550142")


@pytest.fixture
def english_reviewer(facility):
    return StaffFactory(facility=facility, language="en")


def texts(user) -> list[str]:
    return list(
        OutboxMessage.objects.filter(channel="sms", to=user.phone)
        .order_by("id")
        .values_list("body", flat=True)
    )


def decide(run_on_commit, reviewer, photo, *, reject: bool):
    """The reviewer decides while their own (English) language is active, as on their page."""
    with translation.override("en"):
        if reject:
            reason = photo.facility.rejection_reasons.get()
            run_on_commit(photo_reject, photo=photo, actor=as_staff(reviewer), reason=reason)
        else:
            run_on_commit(photo_approve, photo=photo, actor=as_staff(reviewer))


def test_a_delivered_photo_is_told_in_spanish_by_email_and_sms(
    spanish_sender, inmate, english_reviewer, run_on_commit, mailoutbox
):
    connection = ConnectionFactory(sender=spanish_sender, inmate=inmate)
    photo = PhotoFactory(connection=connection, credits=100)
    decide(run_on_commit, english_reviewer, photo, reject=False)

    (email,) = mailoutbox
    assert email.subject == "Su foto fue entregada"
    assert "Hola, madre:" in email.body
    assert f"La foto que envió a {inmate.full_name}" in email.body
    assert f"fue aprobada por {inmate.facility.name}" in email.body
    assert "Para dejar de recibir estos correos:" in email.body
    assert "Hello" not in email.body
    (sms,) = texts(spanish_sender)
    assert f"su foto para {inmate.full_name} fue aprobada y entregada." in sms


def test_a_rejection_is_told_in_spanish_with_the_facility_spanish_reason(
    spanish_sender, inmate, english_reviewer, run_on_commit, mailoutbox
):
    reason = inmate.facility.rejection_reasons.get()
    reason.sender_message_es = REASON_ES
    reason.save()
    connection = ConnectionFactory(sender=spanish_sender, inmate=inmate)
    photo = PhotoFactory(connection=connection, credits=100)
    decide(run_on_commit, english_reviewer, photo, reject=True)

    (email,) = mailoutbox
    assert email.subject == "Su foto no fue aceptada; le devolvimos sus créditos"
    assert f"Motivo: {REASON_ES}" in email.body
    assert "Le devolvimos 100 créditos a su cuenta." in email.body
    assert reason.sender_message not in email.body
    (sms,) = texts(spanish_sender)
    assert f"no fue aceptada: {REASON_ES} 100 créditos devueltos." in sms


def test_a_spanish_rejection_text_is_no_longer_than_the_english_one(
    spanish_sender, english_sender, inmate, english_reviewer, run_on_commit
):
    reason = inmate.facility.rejection_reasons.get()
    reason.sender_message_es = REASON_ES
    reason.save()
    for sender in (spanish_sender, english_sender):
        photo = PhotoFactory(
            connection=ConnectionFactory(sender=sender, inmate=inmate), credits=100
        )
        decide(run_on_commit, english_reviewer, photo, reject=True)
    (spanish,), (english,) = texts(spanish_sender), texts(english_sender)
    # The facility's own words aside, the Spanish text takes no more room than the English.
    assert len(spanish) - len(REASON_ES) <= len(english) - len(reason.sender_message)


def test_a_rejection_falls_back_to_the_english_reason_when_the_facility_wrote_no_spanish(
    spanish_sender, inmate, english_reviewer, run_on_commit, mailoutbox
):
    reason = inmate.facility.rejection_reasons.get()
    assert reason.sender_message_es == ""
    photo = PhotoFactory(
        connection=ConnectionFactory(sender=spanish_sender, inmate=inmate), credits=100
    )
    decide(run_on_commit, english_reviewer, photo, reject=True)

    (email,) = mailoutbox
    assert f"Motivo: {reason.sender_message}" in email.body


def test_an_approved_connection_is_told_in_spanish_though_the_kiosk_speaks_english(
    spanish_sender, inmate, run_on_commit, mailoutbox
):
    connection = ConnectionFactory(
        sender=spanish_sender, inmate=inmate, status=Connection.Status.REQUESTED
    )
    with translation.override("en"):
        run_on_commit(connection_approve, connection=connection, actor=as_inmate(inmate))

    (email,) = mailoutbox
    assert email.subject == f"{inmate.full_name} aceptó su solicitud de conexión"
    assert "aceptó su solicitud de conexión. Ya puede enviarle fotos." in email.body
    assert "Para cambiar cómo le avisamos sobre sus conexiones:" in email.body
    (sms,) = texts(spanish_sender)
    assert f"{inmate.full_name} aceptó su solicitud. Ya puede enviarle fotos:" in sms


def test_an_english_sender_keeps_english_while_spanish_is_active(
    english_sender, inmate, english_reviewer, run_on_commit, mailoutbox
):
    reason = inmate.facility.rejection_reasons.get()
    reason.sender_message_es = REASON_ES
    reason.save()
    photo = PhotoFactory(
        connection=ConnectionFactory(sender=english_sender, inmate=inmate), credits=100
    )
    with translation.override("es"):  # whoever decided worked in Spanish
        reason = photo.facility.rejection_reasons.get()
        run_on_commit(photo_reject, photo=photo, actor=as_staff(english_reviewer), reason=reason)

    (email,) = mailoutbox
    assert email.subject == "Your photo was not accepted; your credits are back"
    assert "Hello mother," in email.body
    assert f"Reason: {reason.sender_message}" in email.body
    assert REASON_ES not in email.body
    (sms,) = texts(english_sender)
    assert "was not accepted" in sms
    assert "100 credits are back." in sms


def test_credit_counts_read_right_in_english(
    english_sender, inmate, english_reviewer, run_on_commit, mailoutbox
):
    one = PhotoFactory(
        connection=ConnectionFactory(sender=english_sender, inmate=inmate), price=1, credits=1
    )
    decide(run_on_commit, english_reviewer, one, reject=True)
    (sms,) = texts(english_sender)
    assert "1 credit is back." in sms
    assert "Your 1 credit is back in your account." in mailoutbox[0].body


def test_sms_notices_in_spanish_stay_under_160_characters(
    spanish_sender, inmate, english_reviewer, run_on_commit
):
    delivered = PhotoFactory(
        connection=ConnectionFactory(sender=spanish_sender, inmate=inmate), credits=100
    )
    decide(run_on_commit, english_reviewer, delivered, reject=False)
    (sms,) = texts(spanish_sender)
    assert len(sms) < 160


def test_phone_only_spanish_sender_gets_sms_only(
    inmate, english_reviewer, run_on_commit, mailoutbox
):
    user = UserFactory(username="abuela", email="", language="es", phone="+12025550143")
    user.phone_verified = True
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    photo = PhotoFactory(connection=ConnectionFactory(sender=user, inmate=inmate), credits=100)
    decide(run_on_commit, english_reviewer, photo, reject=False)
    assert mailoutbox == []
    (sms,) = texts(user)
    assert "fue aprobada y entregada" in sms


@pytest.mark.parametrize(
    ("count", "english", "spanish"),
    [
        (1, "1 photo sent to", "1 foto enviada a"),
        (2, "2 photos sent to", "2 fotos enviadas a"),
    ],
)
def test_counted_staff_emails_read_right(facility, count, english, spanish):
    context = {"count": count, "facility": facility, "links": [], "site_name": "Kinframe"}
    with translation.override("en"):
        body = render_to_string("notify/email/watchlist_match.txt", context)
    assert english in body
    assert f"The photo{'s' if count > 1 else ''} will wait in review" in body
    with translation.override("es"):
        assert spanish in render_to_string("notify/email/watchlist_match.txt", context)
    lockouts = {"lockouts": count, "facility": facility, "user": UserFactory(), "site_url": ""}
    with translation.override("en"):
        body = render_to_string("notify/email/kiosk_lockouts.txt", lockouts)
    assert f"were locked {count} time{'s' if count > 1 else ''} in the last hour" in body
