"""Reporters turn findings into text. They never decide exit codes (the CLI does)."""
