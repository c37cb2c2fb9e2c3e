#!/usr/bin/env bash
# Creates .build/test-venv with the Python tools the tests use (a real SMTP server, a Prometheus parser),
# once, or again when scripts/requirements-test.txt changes.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/test-venv
stamp=$venv/.requirements
if [ -x "$venv/bin/python3" ] && cmp -s scripts/requirements-test.txt "$stamp"; then
    exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
cp scripts/requirements-test.txt "$stamp"
