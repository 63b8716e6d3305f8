"""Why ffmpeg could not read an object: locators are not checked up front, so ask after."""

from __future__ import annotations

from mpr.domain.errors import NotFound
from mpr.domain.ports import MediaStorage


async def raise_if_gone(store: MediaStorage, key: str) -> None:
    """NotFound when the object is no longer in the store (call it where reading failed)."""
    if not await store.exists(key):
        raise NotFound("object", key) from None
