"""Checks: pure functions over the views, one module (or package) per concern.

registry.py lists them; runner.py runs the selected rules and turns violations into findings.
Generic templates (field, reference) live in templates/; the rest are domain checks.
"""
