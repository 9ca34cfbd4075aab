"""Notices reach a sender by the channels they chose; a phone-only sender gets every one by SMS."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from tests.actors import SYSTEM, as_sender, as_staff
from tests.factories import ConnectionFactory, PhotoFactory, UserFactory, give_credits

from kinframe.credits.services import credits_charge_photo
from kinframe.notify import sms
from kinframe.notify.models import NotificationPreference, OutboxMessage
from kinframe.notify.notices import (
    notification_preference_set,
    unsubscribe_token_user_id,
    unsubscribe_url,
)
from kinframe.payments.purchases import purchase_confirm, purchase_create
from kinframe.photos.models import Photo
from kinframe.photos.services import photo_approve, photo_reject

pytestmark = pytest.mark.django_db


def texts(to: str) -> list[str]:
    return list(
        OutboxMessage.objects.filter(channel="sms", to=to)
        .order_by("id")
        .values_list("body", flat=True)
    )


@pytest.fixture
def phone_only(db):
    user = UserFactory(username="mum", email="", phone="+12025550123", phone_verified=True)
    EmailAddress.objects.filter(user=user).delete()
    return user


def reject(photo, reviewer):
    reason = photo.facility.rejection_reasons.get()
    photo_reject(photo=photo, actor=as_staff(reviewer), reason=reason)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_a_phone_only_sender_is_told_of_a_rejection_by_sms_with_the_reason(
    phone_only, reviewer, facility, run_on_commit, mailoutbox
):
    connection = ConnectionFactory(sender=phone_only, inmate__facility=facility)
    photo = PhotoFactory(connection=connection, credits=100)
    run_on_commit(reject, photo, reviewer)
    (text,) = texts(phone_only.phone)
    assert "not accepted" in text
    assert photo.facility.rejection_reasons.get().sender_message in text
    assert "100 credits are back" in text
    assert mailoutbox == []


def test_a_delivered_photo_is_announced_by_email_with_one_click_unsubscribe(
    connection_, reviewer, run_on_commit, mailoutbox
):
    photo = PhotoFactory(connection=connection_, credits=100)
    run_on_commit(photo_approve, photo=photo, actor=as_staff(reviewer))
    (message,) = mailoutbox
    assert message.subject == "Your photo was delivered"
    assert connection_.inmate.full_name in message.body
    header = message.extra_headers["List-Unsubscribe"]
    token = header.strip("<>").rstrip("/").rsplit("/", 1)[1]
    assert unsubscribe_token_user_id(token) == connection_.sender.pk
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_both_channels_when_chosen(connection_, reviewer, run_on_commit, mailoutbox):
    sender = connection_.sender
    sender.phone, sender.phone_verified = "+12025550199", True
    sender.save()
    notification_preference_set(actor=as_sender(sender), channels="both", low_balance=False)
    photo = PhotoFactory(connection=connection_, credits=100)
    run_on_commit(photo_approve, photo=photo, actor=as_staff(reviewer))
    assert len(mailoutbox) == 1
    assert len(texts(sender.phone)) == 1


def test_none_silences_photo_news_but_never_the_receipt(
    sender, connection_, reviewer, run_on_commit, mailoutbox
):
    notification_preference_set(actor=as_sender(sender), channels="none", low_balance=False)
    photo = PhotoFactory(connection=connection_, credits=100)
    run_on_commit(photo_approve, photo=photo, actor=as_staff(reviewer))
    assert mailoutbox == []
    purchase = purchase_create(actor=as_sender(sender), credits=500, provider="sandbox")
    run_on_commit(
        purchase_confirm, actor=SYSTEM, purchase=purchase, card_brand="visa", card_last4="4242"
    )
    (receipt,) = mailoutbox
    assert "receipt" in receipt.subject.lower()


def test_a_failed_text_is_sent_again_and_the_email_not_twice(
    connection_, reviewer, run_on_commit, mailoutbox, monkeypatch
):
    sender = connection_.sender
    sender.phone, sender.phone_verified = "+12025550177", True
    sender.save()
    notification_preference_set(actor=as_sender(sender), channels="both", low_balance=False)
    real_send = sms.ConsoleSmsBackend.send
    failures = iter([True, False])

    def flaky(self, *, to, body):
        if next(failures):
            raise sms.SmsError("carrier timeout")
        real_send(self, to=to, body=body)

    monkeypatch.setattr(sms.ConsoleSmsBackend, "send", flaky)
    photo = PhotoFactory(connection=connection_, credits=100)
    run_on_commit(photo_approve, photo=photo, actor=as_staff(reviewer))
    assert len(mailoutbox) == 1
    tries = texts(sender.phone)  # the outbox keeps each try: the failed one, then the retry
    assert len(tries) == 2
    assert "delivered" in tries[-1]
    photo.refresh_from_db()
    assert photo.status == Photo.Status.APPROVED


def test_a_notice_that_cannot_be_sent_never_undoes_the_decision(
    phone_only, reviewer, facility, run_on_commit, monkeypatch
):
    def broken(self, *, to, body):
        raise sms.SmsError("down")

    monkeypatch.setattr(sms.ConsoleSmsBackend, "send", broken)
    connection = ConnectionFactory(sender=phone_only, inmate__facility=facility)
    photo = PhotoFactory(connection=connection, credits=100)
    run_on_commit(reject, photo, reviewer)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.REJECTED


def test_the_low_balance_reminder_comes_only_to_those_who_asked(run_on_commit, mailoutbox):
    asked, quiet = UserFactory(), UserFactory()
    notification_preference_set(actor=as_sender(asked), channels="email", low_balance=True)
    for user in (asked, quiet):
        give_credits(user, 300)
        connection = ConnectionFactory(sender=user)
        photo = PhotoFactory(connection=connection)
        run_on_commit(credits_charge_photo, photo=photo)  # 300 -> 200: not yet below two photos
        photo = PhotoFactory(connection=connection)
        run_on_commit(credits_charge_photo, photo=photo)  # 200 -> 100: below
    (reminder,) = mailoutbox
    assert reminder.to == [asked.email]
    assert "100 credits" in reminder.body


def test_the_preferences_page_saves_the_choice(client, sender):
    client.force_login(sender)
    page = client.get(reverse("sender:notifications"))
    assert page.status_code == 200
    response = client.post(reverse("sender:notifications"), {"channels": "none"})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=sender).channels == "none"
    assert client.post(reverse("sender:notifications"), {"channels": "loud"}).status_code == 400


def test_one_click_unsubscribe_asks_on_get_and_acts_on_post(client, sender):
    url = unsubscribe_url(sender)
    path = url.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    assert not NotificationPreference.objects.filter(user=sender, channels="none").exists()
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert 'data-testid="unsubscribed"' in response.content.decode()
    assert NotificationPreference.objects.get(user=sender).channels == "none"


def test_a_forged_unsubscribe_link_is_404(client, sender):
    path = unsubscribe_url(sender).removeprefix("http://127.0.0.1:8000")
    assert client.post(path[:-3] + "xx/").status_code == 404
