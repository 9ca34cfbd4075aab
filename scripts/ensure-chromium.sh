#!/usr/bin/env bash
# Make Debian's Chromium available for the browser tests (tests/e2e). Never fails the build:
# without a browser the e2e tests skip with a line saying how to enable them.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no Chromium and no root/apt; browser tests will be skipped" \
       "(install Debian's 'chromium' package to run them)."
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
(apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core) \
  >/tmp/kinframe-chromium-install.log 2>&1 \
  || echo "ensure-chromium: apt-get failed (see /tmp/kinframe-chromium-install.log); browser tests will be skipped."
exit 0
