"""Review outcomes the sender feels: refunds happen exactly once, the rejection email says why."""

import pytest
from django.core import mail
from tests.actors import as_sender, as_staff
from tests.factories import give_credits
from tests.photos.photo_helpers import balance_of, jpeg_upload, refunds

from kinframe.facilities.models import RejectionReason
from kinframe.photos.models import Photo
from kinframe.photos.services import PhotoStateError, photo_reject, photo_send, photo_withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_photo(sender, connection_, django_capture_on_commit_callbacks):
    give_credits(sender, 500)
    with django_capture_on_commit_callbacks(execute=True):
        photo = photo_send(actor=as_sender(sender), connection=connection_, upload=jpeg_upload())
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert balance_of(sender) == 400
    return photo


def test_withdraw_refunds_once(sender, pending_photo):
    photo_withdraw(photo=pending_photo, actor=as_sender(sender))
    with pytest.raises(PhotoStateError):
        photo_withdraw(photo=pending_photo, actor=as_sender(sender))
    assert (balance_of(sender), refunds(sender)) == (500, 1)
    assert Photo.objects.get().status == Photo.Status.WITHDRAWN


def test_only_the_sender_can_withdraw(pending_photo, outsider, sender):
    with pytest.raises(PermissionError):
        photo_withdraw(photo=pending_photo, actor=as_sender(outsider))
    assert (balance_of(sender), refunds(sender)) == (400, 0)


def test_reject_twice_refunds_once_and_emails_the_reason(
    sender, reviewer, pending_photo, django_capture_on_commit_callbacks
):
    reason = RejectionReason.objects.get(facility=pending_photo.facility)
    with django_capture_on_commit_callbacks(execute=True):
        photo_reject(photo=pending_photo, actor=as_staff(reviewer), reason=reason)
        with pytest.raises(PhotoStateError):
            photo_reject(photo=pending_photo, actor=as_staff(reviewer), reason=reason)
    assert (balance_of(sender), refunds(sender)) == (500, 1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [sender.email]
    assert reason.sender_message in mail.outbox[0].body
    with pytest.raises(PhotoStateError):
        photo_withdraw(photo=pending_photo, actor=as_sender(sender))
    assert refunds(sender) == 1
