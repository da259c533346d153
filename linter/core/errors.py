"""Errors that end a run with exit code 2 and a one-line message (never a traceback)."""


class LintError(Exception):
    """A usage, configuration or rule-file error: the message names the file and field."""
