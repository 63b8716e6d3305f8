"""A package (a ladder's playlists and segments) downloaded as one ZIP archive, streamed.

The archive is written as it is sent: members stored (segments are compressed already),
sizes and checksums in data descriptors after each member, ZIP64 where a member needs it, so
nothing is spooled and memory stays at about one chunk whatever the package's size."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from mpr.application.media_access import PackageContents
from mpr.domain.ports import ObjectReader

FLUSH_BYTES = 1024 * 1024
_ZIP64_FROM = (1 << 31) - 1  # members this large need ZIP64 sizes, decided before writing
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


class _Sink(io.RawIOBase):
    """An unseekable file the archive writes to; what it holds is taken by the stream."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.pending = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._parts.append(chunk)
        self.pending += len(chunk)
        return len(chunk)

    def take(self) -> bytes:
        data, self._parts, self.pending = b"".join(self._parts), [], 0
        return data


def archive_name(contents: PackageContents) -> str:
    """The download's file name: the package folder's, as a .zip."""
    return f"{contents.name or 'package'}.zip"


async def zip_stream(contents: PackageContents,
                     open_object: Callable[[str], Awaitable[ObjectReader]]
                     ) -> AsyncIterator[bytes]:
    """The package as a ZIP archive under one folder named like the package, in chunks."""
    sink = _Sink()
    stamp = max(contents.asset.created_at.astimezone(UTC), _ZIP_EPOCH)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for member in contents.members:
            info = zipfile.ZipInfo(f"{contents.name}/{member.path}",
                                   date_time=stamp.timetuple()[:6])
            reader = await open_object(member.path)
            try:
                with zf.open(info, "w", force_zip64=member.size >= _ZIP64_FROM) as out:
                    async for chunk in reader.chunks():
                        out.write(chunk)
                        if sink.pending >= FLUSH_BYTES:
                            yield sink.take()
            finally:
                await reader.close()
            yield sink.take()
    yield sink.take()
