"""One pull-request review on Gitea or Forgejo, through its REST API (`/api/v1`).

Gitea shows no workflow-command annotations (go-gitea/gitea#23722), so findings reach the PR as
a review: a comment at each finding whose line is in the PR's diff (Gitea places code comments
on diff lines), the rest in the review body with the summary table. The review requests changes
when a finding fails the run (`--fail-on`), else it only comments. A hidden marker in the body
finds this tool's earlier reviews; after the new one is posted they are deleted, so a re-run
replaces its review instead of adding one. The token goes only into the Authorization header
of requests to the configured server and never into a message."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ..model import Finding
from ..report import markdown
from ..report.grouping import Group

MARKER = "<!-- m0sh1-lint:review -->"
TIMEOUT_SECONDS = 30
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
PAGE = 50
MAX_INLINE = 100  # more comments than this bury the PR; the rest go into the review body
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class ReviewError(Exception):
    """Why the review could not be posted, in one line (never the token)."""


@dataclass(frozen=True)
class PullRequest:
    server: str  # https://gitea.example
    repository: str  # owner/name
    number: int
    commit: str | None = None  # the head commit the findings are for

    @property
    def api(self) -> str:
        owner, _, name = self.repository.partition("/")
        return (
            f"{self.server.rstrip('/')}/api/v1/repos/{quote(owner, safe='')}/{quote(name, safe='')}/pulls/{self.number}"
        )


@dataclass(frozen=True)
class Review:
    body: str
    event: str  # REQUEST_CHANGES or COMMENT
    comments: tuple[tuple[str, int, str], ...]  # (path in the repository, line, markdown)

    def payload(self, commit: str | None, event: str | None = None) -> dict[str, Any]:
        return {
            "body": self.body,
            "event": event or self.event,
            **({"commit_id": commit} if commit else {}),
            "comments": [{"path": path, "body": body, "new_position": line} for path, line, body in self.comments],
        }


def changed_lines(diff: str) -> dict[str, frozenset[int]]:
    """New-side line numbers each file's hunks show (added and context lines), by path."""
    lines: dict[str, set[int]] = {}
    current: set[int] | None = None
    number = 0
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = _diff_path(line[4:])
            current = lines.setdefault(target, set()) if target is not None else None
        elif line.startswith("diff --git "):
            current = None
        elif (hunk := _HUNK.match(line)) is not None:
            number = int(hunk.group(1))
        elif current is not None and line[:1] in (" ", "+"):
            current.add(number)
            number += 1
    return {path: frozenset(found) for path, found in lines.items()}


def _diff_path(raw: str) -> str | None:
    """`b/path` (git quotes unusual names C-style) → path; /dev/null (a deletion) → None."""
    raw = raw.rstrip("\t")
    if raw.startswith('"') and raw.endswith('"'):
        raw = _unquote(raw[1:-1])
    return raw[2:] if raw.startswith("b/") else None


def _unquote(quoted: str) -> str:
    out, index, raw = bytearray(), 0, quoted.encode("utf-8", "surrogateescape")
    escapes = {ord("n"): b"\n", ord("t"): b"\t", ord('"'): b'"', ord("\\"): b"\\", ord("a"): b"\a", ord("b"): b"\b"}
    while index < len(raw):
        if raw[index] == ord("\\") and index + 1 < len(raw):
            following = raw[index + 1 : index + 4]
            if re.fullmatch(rb"[0-7]{3}", following):
                out.append(int(following, 8))
                index += 4
                continue
            out += escapes.get(raw[index + 1], raw[index + 1 : index + 2])
            index += 2
            continue
        out.append(raw[index])
        index += 1
    return out.decode("utf-8", "replace")


def plan(
    findings: Sequence[Finding],
    changed: Mapping[str, frozenset[int]],
    prefix: str,
    failing: Callable[[Finding], bool],
    docs: Mapping[str, str],
    group_of: Callable[[Finding], Group],
    links: markdown.Links | None,
) -> Review:
    """The review for `findings`: `prefix` is the lint root inside the repository."""
    active = [f for f in findings if f.suppressed is None]
    on_diff = [f for f in active if f.location.line in changed.get(prefix + f.location.path, frozenset())]
    commented = {id(f) for f in on_diff[:MAX_INLINE]}
    comments = tuple(
        (prefix + f.location.path, f.location.line, markdown.comment(f, docs)) for f in on_diff[:MAX_INLINE]
    )
    note = (
        f"{len(comments)} finding{'s are' if len(comments) != 1 else ' is'} on lines this pull request changes "
        "and commented there."
        if comments
        else ""
    )
    body = markdown.render(findings, group_of, docs, links, listed=lambda f: id(f) not in commented, note=note)
    event = "REQUEST_CHANGES" if any(failing(f) for f in active) else "COMMENT"
    return Review(f"{MARKER}\n{body}", event, comments)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would send the token to wherever it points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Client:
    """The few endpoints a review needs, with the Actions token."""

    pull: PullRequest
    token: str = field(repr=False)

    def diff(self) -> str:
        return self._call("GET", ".diff", accept="text/plain").decode("utf-8", "replace")

    def reviews(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in range(1, 1000):
            batch = json.loads(self._call("GET", f"/reviews?page={page}&limit={PAGE}") or b"[]")
            if not isinstance(batch, list):
                raise ReviewError("Gitea API: the list of reviews is not a list")
            found += [r for r in batch if isinstance(r, dict)]
            if len(batch) < PAGE:
                break
        return found

    def create(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        created = json.loads(self._call("POST", "/reviews", payload) or b"{}")
        if not isinstance(created, dict) or not isinstance(created.get("id"), int):
            raise ReviewError("Gitea API: creating the review returned no review id")
        return created

    def delete(self, review_id: int) -> None:
        self._call("DELETE", f"/reviews/{review_id}")

    def _call(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None, accept: str = "application/json"
    ) -> bytes:
        url = self.pull.api + path
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"token {self.token}")
        request.add_header("Accept", accept)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        where = f"Gitea API {method} {urlsplit(url).path}"
        try:
            with urllib.request.build_opener(_NoRedirects).open(request, timeout=TIMEOUT_SECONDS) as response:
                body: bytes = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise ReviewError(f"{where}: HTTP {exc.code} {_reason(exc)}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ReviewError(f"{where}: {getattr(exc, 'reason', exc)}") from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise ReviewError(f"{where}: the answer is larger than {MAX_RESPONSE_BYTES} bytes")
        return body


def _reason(exc: urllib.error.HTTPError) -> str:
    """Gitea's own message when it sent one (`{"message": ...}`), else the HTTP reason."""
    try:
        message = json.loads(exc.read(4096)).get("message")
    except (ValueError, AttributeError, OSError):
        message = None
    text = message if isinstance(message, str) and message else str(exc.reason)
    return " ".join(text.split())[:200]


def publish(client: Client, review: Review) -> str:
    """Post `review`, then delete this tool's earlier reviews on the PR; what happened, in words.
    A review that requests changes on the token owner's own PR is refused by Gitea (422): it is
    posted as a comment instead."""
    try:
        created = client.create(review.payload(client.pull.commit))
    except ReviewError as exc:
        if review.event != "REQUEST_CHANGES" or " 422 " not in str(exc):
            raise
        created = client.create(review.payload(client.pull.commit, "COMMENT"))
    author = (created.get("user") or {}).get("login")
    earlier = [
        r["id"]
        for r in client.reviews()
        if r.get("id") != created["id"]
        and isinstance(r.get("id"), int)
        and MARKER in str(r.get("body") or "")
        and (r.get("user") or {}).get("login") == author
    ]
    for review_id in earlier:
        client.delete(review_id)
    replaced = f", replacing {len(earlier)} earlier" if earlier else ""
    inline = len(review.comments)
    return (
        f"posted review {created['id']} on pull request {client.pull.number} "
        f"({inline} inline comment{'s' if inline != 1 else ''}{replaced})"
    )
