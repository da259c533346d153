"""After the checks: suppressions, --changed filtering, baselines, and fixes (planned, then written)."""
