"""Error reports to Sentry (or a compatible service such as GlitchTip), only when `SENTRY_DSN` is set.

Kinframe's users include people in custody and their families: no personal data leaves with an
error report. `send_default_pii=False` keeps out cookies, user ids and addresses; request
bodies (photo uploads, card pages) are never attached; and stack frames go without their local
variables, where a PIN, an email address or a name could sit.
"""

from __future__ import annotations

import warnings
from typing import Any


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float, **extra: Any) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    with warnings.catch_warnings():
        # sentry-sdk 2.75 deprecates send_default_pii for `data_collection`, yet derives its
        # behaviour from it while `data_collection` is unset; tests/ops/test_sentry.py checks
        # the outcome, whichever option governs it.
        warnings.simplefilter("ignore", DeprecationWarning)
        sentry_sdk.init(
            dsn=dsn,
            environment=environment,
            integrations=[DjangoIntegration()],
            send_default_pii=False,
            max_request_body_size="never",
            include_local_variables=False,
            traces_sample_rate=traces_sample_rate,
            **extra,
        )
