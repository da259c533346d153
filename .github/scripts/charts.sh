#!/usr/bin/env bash
# Chart cache for the composite action. `key`: print the cache directory and a key that changes
# only when the charts the repository asks for change (Chart.lock pins, dependency versions,
# Application chart versions). `pull`: fetch what the restored cache lacks; a chart that cannot
# be had is reported by the lint step (LD010), so this step never fails the job.
set -uo pipefail
case "${1:-}" in
  key)
    dir=$(m0sh1-lint cache dir) || exit 2
    key=$(m0sh1-lint charts list ${PATHS:-.} | sha256sum | cut -c1-32) || exit 2
    echo "dir=$dir"
    echo "key=$key"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
      { echo "dir=$dir"; echo "key=$key"; } >>"$GITHUB_OUTPUT"
    fi
    ;;
  pull)
    # shellcheck disable=SC2086
    m0sh1-lint charts pull ${PATHS:-.} || true
    ;;
  *)
    echo "usage: charts.sh key|pull" >&2
    exit 2
    ;;
esac
