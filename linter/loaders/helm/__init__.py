"""Helm: charts packed into in-memory archives, rendered with real Helm, traced back to templates.

- archive.py: the .tgz Helm gets (files the walk vetted, .helmignore applied) and template
  sources read out of vendored archives, each archive opened once;
- render.py: one release rendered with helm_python; a failing template becomes LD004;
- align.py: rendered lines mapped back to the template lines they came from;
- templates.py: which `.Values` paths each template line reads.
"""
