"""GraphQL for the first-run hint: media files waiting in the input store for a Scan."""

from __future__ import annotations

import strawberry

from mpr.application.waiting_media import WaitingMedia


@strawberry.type(name="WaitingMedia")
class WaitingMediaType:
    count: int = strawberry.field(description="Media files no asset records yet")
    names: list[str] = strawberry.field(description="The first few of their keys, sorted")

    @classmethod
    def from_domain(cls, w: WaitingMedia) -> WaitingMediaType:
        return cls(count=w.count, names=list(w.names))
