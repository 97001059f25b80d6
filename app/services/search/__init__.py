"""Full-text search over every kind of record, within the reader's clearance and 知悉范围. Its public
face: other areas, the UI and the command line import from here, never from the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.search.index import (
        KIND_LABELS,
        MAX_QUERY_TERMS,
        HitCounts,
        SearchHit,
        SearchResults,
        count_hits,
        index_record,
        remove_record,
        search,
    )

__getattr__, __dir__ = public_face(__name__, {
    "HitCounts": "index",
    "KIND_LABELS": "index",
    "MAX_QUERY_TERMS": "index",
    "SearchHit": "index",
    "SearchResults": "index",
    "count_hits": "index",
    "index_record": "index",
    "remove_record": "index",
    "search": "index",
})
__all__ = ["HitCounts", "KIND_LABELS", "MAX_QUERY_TERMS", "SearchHit", "SearchResults", "count_hits", "index_record", "remove_record", "search"]
