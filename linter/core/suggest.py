"""Did-you-mean: the one place that decides which names are close enough to suggest."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6  # below this similarity a name is not a plausible typo
MARGIN = 0.1  # runners-up clearly worse than the best match are dropped (pve-1 -> pve-01, not pve-02)


def close_matches(word: str, options: Iterable[str], limit: int = 3) -> tuple[str, ...]:
    """The options most similar to `word`, best first, without clearly worse runners-up."""
    scored = sorted(
        ((difflib.SequenceMatcher(None, word, option).ratio(), option) for option in set(options)),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if not scored:
        return ()
    best = scored[0][0]
    return tuple(option for score, option in scored[:limit] if score >= CUTOFF and score >= best - MARGIN)


def closest(word: str, options: Iterable[str]) -> str | None:
    """The single best suggestion, or None."""
    found = close_matches(word, options, limit=1)
    return found[0] if found else None
