"""Every string a person can read has a translation in every language the site offers.

Two layers: the committed catalogs are complete (nothing untranslated or fuzzy) and their compiled
``.mo`` files say the same (the site reads only those); and extracting the strings afresh from the
code (``makemessages``, on a copy) finds nothing the catalogs lack, so a new ``{% translate %}`` or
``_()`` without its Spanish fails here rather than showing English to a Spanish reader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

import kinframe

SOURCE = Path(kinframe.__file__).parent
LOCALE = SOURCE / "locale"
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalog(code: str, root: Path = LOCALE) -> polib.POFile:
    return polib.pofile(str(root / code / "LC_MESSAGES" / "django.po"))


def gaps(po: polib.POFile) -> list[str]:
    """Entries a reader would see in English, with where they come from."""
    missing = [entry for entry in po if not entry.obsolete and not entry.translated()]
    return [
        f"{', '.join(sorted({path for path, _ in entry.occurrences})) or '?'}: {entry.msgid!r}"
        for entry in missing
    ]


def test_spanish_is_offered_and_english_is_the_default():
    assert settings.LANGUAGE_CODE == "en"
    assert "es" in TRANSLATED


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_catalog_translates_every_string(code):
    po = catalog(code)
    assert len(po) > 300, "the catalog holds the site's strings"
    problems = gaps(po)
    assert not problems, f"{len(problems)} untranslated or fuzzy in {code}:\n" + "\n".join(
        problems[:40]
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_is_the_catalog(code):
    """The site reads the .mo; a .po edited without `make messages` would change nothing."""
    po = catalog(code)
    mo = polib.mofile(str(LOCALE / code / "LC_MESSAGES" / "django.mo"))

    def pairs(entries):
        out = {}
        for entry in entries:
            if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
                continue
            key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
            out[key] = entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))
        return out

    assert pairs(po) == pairs(mo), "run `make messages` to compile the catalogs"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("code", TRANSLATED)
def test_no_string_in_the_code_is_missing_from_the_catalog(code, tmp_path, monkeypatch):
    """`makemessages` over a copy of the code: every string it finds is translated, none fuzzy."""
    copy = tmp_path / "kinframe"
    shutil.copytree(
        SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "migrations", "*.mo")
    )
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command(
            "makemessages",
            locale=[code],
            ignore_patterns=["migrations/*", "static/*"],
            add_location="file",
            no_obsolete=True,
            verbosity=0,
        )
    fresh = catalog(code, copy / "locale")
    problems = gaps(fresh)
    assert not problems, (
        f"{len(problems)} strings in the code lack a {code} translation "
        f"(run `make messages` and translate them):\n" + "\n".join(problems[:40])
    )
    assert {e.msgid for e in fresh} <= {e.msgid for e in catalog(code)} | {""}
