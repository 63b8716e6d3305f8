"""Media over HTTP: byte ranges for players (seeking), presigned redirects, thumbnails."""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import quote

from litestar import Request, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Stream
from litestar.status_codes import HTTP_206_PARTIAL_CONTENT, HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE

from mpr.application.media_access import ByteRange, MediaHandle

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_PRIVATE = "private, max-age=300"


@get("/media/assets/{asset_id:str}", include_in_schema=False)
async def asset_media(request: Request[object, object, State], state: State,
                      asset_id: FromPath[str], download: FromQuery[bool] = False
                      ) -> Stream | Redirect:
    """The asset's bytes with Range support; a remote store answers with a redirect."""
    handle = await state.services.media.open(asset_id)
    if handle.remote_url is not None:
        return Redirect(handle.remote_url, status_code=307)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": _PRIVATE,
               "Content-Disposition": _disposition(handle.asset.filename, download),
               "X-Content-Type-Options": "nosniff"}
    byte_range = parse_range(request.headers.get("range"), handle.size)
    if byte_range is None:
        headers["Content-Length"] = str(handle.size)
        return Stream(handle.stream(), media_type=_media_type(handle), headers=headers)
    headers["Content-Length"] = str(byte_range.length)
    headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{handle.size}"
    return Stream(handle.stream(byte_range), media_type=_media_type(handle), headers=headers,
                  status_code=HTTP_206_PARTIAL_CONTENT)


@get("/media/assets/{asset_id:str}/thumbnail", include_in_schema=False)
async def asset_thumbnail(state: State, asset_id: FromPath[str], t: FromQuery[float] = 0.0,
                          w: FromQuery[int] = 160) -> File:
    """A JPEG frame of the asset at t seconds, made by ffmpeg once and cached."""
    path = await state.services.media.thumbnail(asset_id, t, w)
    return File(path, media_type="image/jpeg", content_disposition_type="inline",
                headers={"Cache-Control": "public, max-age=86400"})


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range a Range header asks for; None for the whole object; 416 if unmet."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:  # multiple ranges or other units: serve the whole object
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end or size == 0:
        raise HTTPException(status_code=HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE,
                            headers={"Content-Range": f"bytes */{size}"},
                            detail="requested range not satisfiable")
    return ByteRange(start, end)


def _media_type(handle: MediaHandle) -> str:
    guessed, _ = mimetypes.guess_type(handle.asset.filename)
    return guessed or "application/octet-stream"


def _disposition(filename: str, download: bool) -> str:
    kind = "attachment" if download else "inline"
    ascii_name = re.sub(r'[^A-Za-z0-9._ -]', "_", filename)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
