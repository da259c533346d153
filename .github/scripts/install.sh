#!/usr/bin/env bash
# Install m0sh1-lint for the composite action: a pinned release from PyPI, or the action's own checkout.
set -euo pipefail
if [ -n "${SPEC:-}" ]; then
  python -m pip install --disable-pip-version-check -q "$SPEC"
else
  python -m pip install --disable-pip-version-check -q "${ACTION_PATH:?}"
fi
m0sh1-lint --version
