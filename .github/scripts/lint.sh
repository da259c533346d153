#!/usr/bin/env bash
# Run m0sh1-lint for the composite action: annotations on the PR, the job summary, optional SARIF and
# Gitea/Forgejo review, exit code as the gate.
set -uo pipefail
args=(--fail-on "${FAIL_ON:-error}" --format github)
if [ -n "${BASE:-}" ]; then
  # Compare with the merge base of the PR's target branch; fetch it when the checkout is shallow.
  ref="$BASE"
  case "$ref" in origin/*) ;; *) ref="origin/$BASE" ;; esac
  if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
    git fetch --no-tags --quiet origin "+refs/heads/${ref#origin/}:refs/remotes/$ref" || true
  fi
  if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = "true" ]; then
    git fetch --no-tags --quiet --unshallow origin || git fetch --no-tags --quiet --deepen=200 origin || true
  fi
  args+=(--base "$ref")
fi
if [ -n "${SARIF:-}" ]; then
  m0sh1-lint "${args[@]}" --format sarif --output "$SARIF" ${PATHS:-.} >/dev/null
  # The SARIF run above already decided nothing; run again for annotations and the exit code.
fi
# The job summary: GitHub shows it, and Gitea 1.27+ (which ignores workflow-command annotations).
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  args+=(--summary "$GITHUB_STEP_SUMMARY")
fi
case "${REVIEW:-}" in
  "" | false) ;;
  gitea | true) args+=(--gitea-review) ;;
  required) args+=(--gitea-review-required) ;;
  *) echo "m0sh1-lint: error: input review must be gitea, required or empty, not \`$REVIEW\`" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
m0sh1-lint "${args[@]}" ${PATHS:-.}
