"""The rule catalog: loading and validating rule files and specs, selection, and the docs they generate."""
