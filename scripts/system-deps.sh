#!/usr/bin/env bash
# Debian packages the project needs: chromium (browser tests), nginx (proxy tests), tesseract (ID-selfie text
# orientation), gettext (compilemessages). Installs only what is missing.
# `system-deps.sh run` checks only what `make run` needs (no browser, no fonts); the test
# mode and `system-deps.sh drill` also need nginx and redis-server for the multi-node drill.
set -euo pipefail
mode="${1:-test}"
need=()
[ "$mode" = "run" ] || [ "$mode" = "drill" ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr tesseract-ocr-jpn)
[ -d /usr/share/tesseract-ocr ] && ! ls /usr/share/tesseract-ocr/*/tessdata/jpn.traineddata >/dev/null 2>&1 && need+=(tesseract-ocr-jpn)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
# npm installs axe-core for the accessibility test (tests_support/package.json)
[ "$mode" = "run" ] || [ "$mode" = "drill" ] || command -v npm >/dev/null 2>&1 || need+=(npm)
# nginx on loopback in front of gunicorn (tests_support/nginx.py) and the multi-node drill
# (benchmarks/drill.py, its smoke in the PostgreSQL pass), with a private redis-server it stops and starts.
[ "$mode" = "run" ] || [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
[ "$mode" = "run" ] || command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Japanese glyphs for readable screenshots of the browser tests.
[ "$mode" = "drill" ] || [ "$mode" = "run" ] || fc-list :lang=ja 2>/dev/null | grep -q . || need+=(fonts-ipafont-gothic)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${need[*]} (Debian packages)" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
