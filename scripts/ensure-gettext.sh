#!/usr/bin/env bash
# GNU gettext (xgettext, msgmerge, msgfmt) for `make messages` and the catalog test. Never fails the
# build: without it, the test that extracts strings afresh skips with a line saying how to enable it
# (the test that the committed catalog is complete and compiled needs nothing).
set -u
if command -v xgettext >/dev/null 2>&1 && command -v msgmerge >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-gettext: no gettext and no root/apt; install Debian's 'gettext' package for the catalog test."
  exit 0
fi
echo "ensure-gettext: installing Debian's gettext..."
export DEBIAN_FRONTEND=noninteractive
(apt-get update -qq && apt-get install -y -qq --no-install-recommends gettext) \
  >/tmp/kinframe-gettext-install.log 2>&1 \
  || echo "ensure-gettext: apt-get failed (see /tmp/kinframe-gettext-install.log)."
exit 0
