"""Which `repoURL`s mean this repository.

Argo CD compares git URLs after lower-casing them and dropping a final `.git`; it keeps https
and ssh forms apart (docs/reference/argocd.md#10-repourl-normalisation-and-matching). The linter
is more forgiving, because a checkout's remote is often the ssh form while the Applications say
https: a URL means this repository when its host and path equal those of one of the checkout's
git remotes (or of the config's `argocd.repoURLs`), whatever the scheme, user, port, `.git`
suffix, case or trailing slash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_SCP = re.compile(r"^(?:[^@/:]+@)?([^:/]+):(?!//)(.+)$")  # git@github.com:owner/repo.git


def repo_key(url: str) -> str | None:
    """`github.com/owner/repo` for any spelling of a git URL; None when it is not one."""
    text = url.strip()
    if not text:
        return None
    scp = _SCP.match(text)
    if "://" not in text and scp:
        host, path = scp.group(1), scp.group(2)
    else:
        parts = urlsplit(text if "://" in text else f"https://{text}")
        if not parts.hostname:
            return None
        host, path = parts.hostname, parts.path
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    return f"{host.lower()}/{path.lower()}".rstrip("/") if path else host.lower()


# AR012's fix for a source in another git repository (a mirror of this one is another until listed)
ANOTHER_REPOSITORY_FIX = (
    "Add the repository's URL to argocd.repoURLs in .m0sh1-lint.yaml if it is this repository under another name"
)


@dataclass(frozen=True)
class RepoIdentity:
    """The URLs of this repository; `has_remote` False means: a checkout without any remote."""

    keys: frozenset[str]
    has_remote: bool

    def is_this(self, url: str) -> bool:
        key = repo_key(url)
        return key is not None and key in self.keys


def identity(remotes: tuple[str, ...], configured: tuple[str, ...]) -> RepoIdentity:
    keys = {key for url in (*remotes, *configured) if (key := repo_key(url)) is not None}
    return RepoIdentity(frozenset(keys), bool(keys))
