"""Argo CD, read from the repository alone: which URLs mean this repository (repos.py), what one
Application says (spec.py), what an ApplicationSet generates (appsets.py), and the graph of who
deploys whom, walked from the roots (graph.py)."""
