"""Settings for the test suite: the production module, with the few defaults tests need changed.

Values read from the environment are given test defaults here *before* the production module reads
them, so a variable set by hand (``TASK_BACKEND=rq``, ``DATABASE_URL=postgres://...``) still wins.
The rest are overrides that make no sense outside tests.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-any-deployment")
os.environ.setdefault("PAYMENT_SANDBOX_SECRET", secrets.token_urlsafe(32))  # as DEBUG would
os.environ.setdefault("TASK_BACKEND", "immediate")  # tasks run inside the test that queued them
os.environ.setdefault("SECURE_COOKIES", "0")  # the test client speaks plain HTTP
os.environ.setdefault("CONSOLE_REQUIRE_MFA", "0")  # the MFA tests turn it on where they need it
os.environ.setdefault("KINFRAME_WEBHOOK_ALLOW_PRIVATE", "1")  # receivers listen on loopback

from kinframe.settings import *  # noqa: F403
from kinframe.settings import PASSWORD_HASHERS, STORAGES

# Argon2 is deliberately slow; tests check the flows, not the hash's cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# allauth's limits would trip over the many sign-ins tests make from one address; the tests of the
# limits themselves set ``settings.ACCOUNT_RATE_LIMITS = {}`` (allauth's defaults). False, not {}.
ACCOUNT_RATE_LIMITS = False

# Static files straight from the apps' folders: no collectstatic, no manifest.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
