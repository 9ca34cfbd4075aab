#!/usr/bin/env bash
# Merge translated catalog parts (each a .po of translated entries) into the project's catalog:
# makemessages, then fill every entry from the parts (first part wins), then compile.
# Usage: scripts/merge-catalogs.sh part.po [part.po ...]
set -euo pipefail
cd "$(dirname "$0")/../src/kinframe"
po=locale/es/LC_MESSAGES/django.po
DEBUG=1 ../../.venv/bin/django-admin makemessages --settings=kinframe.settings -l es \
  -i "migrations/*" -i "static/*" --add-location file --no-obsolete >/dev/null
rm -f /tmp/kf-current.po
msgattrib --translated --no-fuzzy "$po" -o /tmp/kf-current.po 2>/dev/null || true
inputs=()
[ -s /tmp/kf-current.po ] && inputs+=(/tmp/kf-current.po)
msgcat --use-first "${inputs[@]}" "$@" -o /tmp/kf-compendium.po
msgmerge --quiet --no-fuzzy-matching --add-location=file /tmp/kf-compendium.po "$po" -o /tmp/kf-merged.po
mv /tmp/kf-merged.po "$po"
msgattrib --untranslated "$po" | grep -c '^msgid' || true
