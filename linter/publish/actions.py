"""The GitHub, Gitea or Forgejo Actions run the linter is in, from its environment: which
server, repository and commit, and which pull request (from the event payload). Gitea and
Forgejo runners set the same `GITHUB_*` variables as GitHub, plus their own marker."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..core.reading import NotReadable, read_regular

MAX_EVENT_BYTES = 16 * 1024 * 1024
Platform = Literal["github", "gitea"]


@dataclass(frozen=True)
class ActionsRun:
    platform: Platform
    server: str | None  # https://github.com, https://gitea.example
    repository: str | None  # owner/name
    sha: str | None  # the pull request's head commit, else the commit the run is for
    pull_request: int | None


def in_actions(environ: Mapping[str, str]) -> bool:
    return any(environ.get(name) == "true" for name in ("GITHUB_ACTIONS", "GITEA_ACTIONS", "FORGEJO_ACTIONS"))


def actions_run(environ: Mapping[str, str]) -> ActionsRun | None:
    """The run described by the environment, or None outside Actions."""
    if not in_actions(environ):
        return None
    gitea = environ.get("GITEA_ACTIONS") == "true" or environ.get("FORGEJO_ACTIONS") == "true"
    event = _event(environ.get("GITHUB_EVENT_PATH"))
    pull = _mapping(event.get("pull_request"))
    head_sha = _mapping(pull.get("head")).get("sha")
    number = pull.get("number", event.get("number") if pull else None)
    sha = head_sha if isinstance(head_sha, str) and head_sha else environ.get("GITHUB_SHA")
    return ActionsRun(
        "gitea" if gitea else "github",
        environ.get("GITHUB_SERVER_URL") or None,
        environ.get("GITHUB_REPOSITORY") or None,
        sha or None,
        number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None,
    )


def _event(path: str | None) -> dict[str, Any]:
    """The event payload the runner wrote; {} when there is none or it cannot be read."""
    if not path:
        return {}
    try:
        data = json.loads(read_regular(Path(path), MAX_EVENT_BYTES))
    except (NotReadable, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
