"""What the photo services raise when they refuse; in each case nothing was changed or charged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext, gettext_lazy

if TYPE_CHECKING:
    from .models import Photo

STORAGE_UNAVAILABLE_MESSAGE = gettext_lazy(
    "We couldn't store your photos right now; nothing was charged. "
    "Please try again in a few minutes."
)


#: The refused action, in the words of the message (callers pass the English key).
ACTIONS = {
    "approved": gettext_lazy("approved"),
    "rejected": gettext_lazy("rejected"),
    "withdrawn": gettext_lazy("withdrawn"),
    "marked undeliverable": gettext_lazy("marked undeliverable"),
}


class PhotoStateError(Exception):
    """The photo is no longer in a state that allows this; nothing was changed."""

    def __init__(self, photo: Photo, action: str):
        self.photo = photo
        self.action = action
        super().__init__(
            gettext("This photo is %(status)s and cannot be %(action)s.")
            % {"status": photo.get_status_display(), "action": ACTIONS.get(action, action)}
        )


class PhotoSendError(ValueError):
    """The photo cannot be sent; ``str(exc)`` is the message for the sender. Nothing was charged."""


class PhotoStorageUnavailable(Exception):
    """Storage or the database failed during a send that then rolled back: nothing was charged.

    Not the sender's fault and usually brief (a full or read-only disk, a dropped connection), so
    pages answer 503 with ``str(exc)`` and the sender tries again later.
    """

    def __init__(self, message: str = ""):
        super().__init__(message or str(STORAGE_UNAVAILABLE_MESSAGE))
