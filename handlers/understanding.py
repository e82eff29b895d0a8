"""The reader the conversation uses by default: search.reading, behind the `Understand` seam."""

from __future__ import annotations

from handlers.deps import Understand


def default_understand() -> Understand:
    """Imported on demand: building the gazetteer and lexicons is the caller's (first message's) cost."""
    from search import understand

    return understand
