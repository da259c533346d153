"""A local stand-in for the part of Gitea's REST API a review uses (standard library, 127.0.0.1).

The endpoints, request bodies and answers follow Gitea's API documentation (swagger: `GET
/repos/{owner}/{repo}/pulls/{index}.diff`, `GET|POST /repos/{owner}/{repo}/pulls/{index}/reviews`,
`DELETE /repos/{owner}/{repo}/pulls/{index}/reviews/{id}`; `CreatePullReviewOptions` and
`CreatePullReviewComment` in modules/structs/pull_review.go). Anything else is refused as Gitea
would refuse it, and stricter where a client would be wrong: a missing or unknown token (401), a
wrong method (405), an unknown path (404), an unknown field or a comment on a line outside the
diff (422), requesting changes on one's own pull request (422, as Gitea does), deleting another
user's review (403)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

REVIEW_FIELDS = {"event", "body", "commit_id", "comments"}
COMMENT_FIELDS = {"path", "body", "old_position", "new_position"}
EVENTS = {"APPROVED", "REQUEST_CHANGES", "COMMENT", "PENDING", ""}
STATES = {"REQUEST_CHANGES": "REQUEST_CHANGES", "COMMENT": "COMMENT", "APPROVED": "APPROVED"}


@dataclass
class GiteaState:
    owner: str
    repo: str
    number: int
    diff: str
    tokens: dict[str, str]  # token → login
    poster: str = "contributor"  # who opened the pull request
    reviews: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    next_id: int = 100

    def diff_lines(self) -> dict[str, set[int]]:
        lines: dict[str, set[int]] = {}
        current: set[int] | None = None
        number = 0
        for line in self.diff.splitlines():
            if line.startswith("+++ "):
                current = lines.setdefault(line[6:], set()) if line.startswith("+++ b/") else None
            elif (hunk := re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)", line)) is not None:
                number = int(hunk.group(1))
            elif current is not None and line[:1] in (" ", "+"):
                current.add(number)
                number += 1
        return lines


class _Handler(BaseHTTPRequestHandler):
    state: GiteaState

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: Any = None, content_type: str = "application/json") -> None:
        data = b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _user(self) -> str | None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return self.state.tokens.get(token) if scheme.lower() in ("token", "bearer") else None

    def _route(self, method: str) -> None:
        state = self.state
        url = urlsplit(self.path)
        state.requests.append((method, url.path))
        base = f"/api/v1/repos/{state.owner}/{state.repo}/pulls/{state.number}"
        user = self._user()
        if user is None:
            return self._answer(401, {"message": "token is required", "url": "https://gitea.example/api/swagger"})
        if url.path == base + ".diff":
            return self._answer(200, state.diff, "text/plain") if method == "GET" else self._answer(405)
        if url.path == base + "/reviews":
            if method == "GET":
                return self._list(parse_qs(url.query))
            if method == "POST":
                return self._create(user)
            return self._answer(405)
        if (match := re.fullmatch(re.escape(base) + r"/reviews/(\d+)", url.path)) is not None:
            return self._delete(user, int(match.group(1))) if method == "DELETE" else self._answer(405)
        return self._answer(404, {"message": "not found"})

    def _list(self, query: dict[str, list[str]]) -> None:
        page, limit = int(query.get("page", ["1"])[0]), int(query.get("limit", ["30"])[0])
        self._answer(200, self.state.reviews[(page - 1) * limit : page * limit])

    def _create(self, user: str) -> None:
        state = self.state
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        except ValueError:
            return self._answer(422, {"message": "invalid JSON"})
        if self.headers.get("Content-Type") != "application/json" or not isinstance(body, dict):
            return self._answer(422, {"message": "a JSON object is required"})
        if unknown := set(body) - REVIEW_FIELDS:
            return self._answer(422, {"message": f"unknown fields {sorted(unknown)}"})
        event, text, comments = body.get("event", ""), body.get("body", ""), body.get("comments") or []
        if event not in EVENTS or not isinstance(text, str) or not isinstance(comments, list):
            return self._answer(422, {"message": "invalid review"})
        diff = state.diff_lines()
        for comment in comments:
            if not isinstance(comment, dict) or set(comment) - COMMENT_FIELDS:
                return self._answer(422, {"message": f"invalid comment {comment!r}"})
            line = comment.get("new_position")
            if comment.get("path") not in diff or not isinstance(line, int) or line not in diff[comment["path"]]:
                return self._answer(422, {"message": f"line {line} of {comment.get('path')} is not in the diff"})
        if event == "REQUEST_CHANGES" and user == state.poster:
            return self._answer(422, {"message": "reject your own pull is not allowed"})
        if event == "REQUEST_CHANGES" and not text.strip():
            return self._answer(422, {"message": "review event REQUEST_CHANGES requires a body"})
        if event == "COMMENT" and not text.strip() and not comments:
            return self._answer(422, {"message": "review event COMMENT requires a body or a comment"})
        state.next_id += 1
        review = {
            "id": state.next_id,
            "user": {"id": 7, "login": user},
            "team": None,
            "state": STATES.get(event, "PENDING"),
            "body": text,
            "commit_id": body.get("commit_id", "head"),
            "stale": False,
            "official": False,
            "dismissed": False,
            "comments_count": len(comments),
            "submitted_at": "2026-12-02T00:00:00Z",
            "updated_at": "2026-12-02T00:00:00Z",
            "html_url": f"https://gitea.example/{state.owner}/{state.repo}/pulls/{state.number}#review",
            "pull_request_url": f"https://gitea.example/{state.owner}/{state.repo}/pulls/{state.number}",
            "comments": comments,  # kept for the tests; Gitea serves them at /reviews/{id}/comments
        }
        state.reviews.append(review)
        self._answer(200, review)

    def _delete(self, user: str, review_id: int) -> None:
        review = next((r for r in self.state.reviews if r["id"] == review_id), None)
        if review is None:
            return self._answer(404, {"message": "review not found"})
        if review["user"]["login"] != user:
            return self._answer(403, {"message": "only admin and user itself can delete a review"})
        self.state.reviews.remove(review)
        self._answer(204)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_PATCH(self) -> None:
        self._route("PATCH")


class GiteaServer:
    """Serve `state` on 127.0.0.1 (a free port) for the duration of a `with` block."""

    def __init__(self, state: GiteaState) -> None:
        handler = type("Handler", (_Handler,), {"state": state})
        self.state = state
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> GiteaServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
