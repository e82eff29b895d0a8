"""The reader the conversation uses by default: search.reading, behind the `Understand` seam."""

from __future__ import annotations

from functools import partial

from handlers.deps import Understand


def default_understand(home_depts: tuple[str, ...] = ("67", "68")) -> Understand:
    """Imported on demand: building the gazetteer and lexicons is the caller's (first message's) cost.
    `home_depts` settles homonym towns ("Munster" is the one in 68 for an Alsace service)."""
    from search import understand

    return partial(understand, home_depts=home_depts)
