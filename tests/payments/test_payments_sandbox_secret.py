"""The sandbox's webhook secret is never a value anyone can read in the source."""

import os
import subprocess
import sys

import pytest

DEVELOPMENT_KEY = "insecure-development-key-never-use-in-production"


def load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter (not under pytest) with ``env``."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    clean = {k: v for k, v in clean.items() if not k.startswith(("SECRET_KEY", "PAYMENT_"))}
    code = (
        "from kinframe import settings as s;"
        "print(s.PAYMENT_SANDBOX_SECRET == s.SECRET_KEY, len(s.PAYMENT_SANDBOX_SECRET),"
        " s.PAYMENT_SANDBOX_SECRET)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )


def test_make_run_does_not_sign_the_sandbox_with_the_public_development_key():
    # `make run` sets DEBUG=1 and no SECRET_KEY: that key is in the source for anyone to read.
    first, second = load_settings(DEBUG="1"), load_settings(DEBUG="1")
    assert first.returncode == second.returncode == 0, first.stderr
    same_as_key, length, secret = first.stdout.split()
    assert (same_as_key, DEVELOPMENT_KEY in secret) == ("False", False)
    assert int(length) >= 32
    assert secret != second.stdout.split()[2]  # fresh each start: nobody can know it


@pytest.mark.parametrize(
    "sandbox_secret",
    ["", DEVELOPMENT_KEY],
    ids=["no-secret", "the-development-key"],
)
def test_without_debug_a_missing_or_public_sandbox_secret_refuses_to_start(sandbox_secret):
    result = load_settings(
        DEBUG="0",
        SECRET_KEY="a-real-secret-key-for-this-test",
        PAYMENT_PROVIDER="sandbox",
        PAYMENT_SANDBOX_SECRET=sandbox_secret,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PAYMENT_SANDBOX_SECRET" in result.stderr


def test_without_debug_a_set_sandbox_secret_is_used():
    result = load_settings(
        DEBUG="0", SECRET_KEY="a-real-secret-key", PAYMENT_SANDBOX_SECRET="s3cret-for-the-sandbox"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == "s3cret-for-the-sandbox"
