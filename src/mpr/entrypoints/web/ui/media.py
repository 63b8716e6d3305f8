"""Media over HTTP: byte ranges for players (seeking), presigned redirects, thumbnails,
waveforms, and the members of a ladder's package (playlists, segments) read through MPR
from either store."""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_206_PARTIAL_CONTENT, HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE

from mpr.application.media_access import ByteRange, MediaHandle
from mpr.domain.media import extension_of
from mpr.domain.package import MANIFEST_EXTENSIONS
from mpr.entrypoints.web.ui.package_zip import archive_name, zip_stream

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_MAX_DIGITS = 18  # a position written with more digits lies past the end of any object
_PAST_ANY_END = 10**_MAX_DIGITS
_PRIVATE = "private, max-age=300"
# Types players insist on (mimetypes knows few of them); a manifest must not be cached long.
STREAMING_TYPES = {"m3u8": "application/vnd.apple.mpegurl", "mpd": "application/dash+xml",
                   "ts": "video/mp2t", "m4s": "video/iso.segment", "vtt": "text/vtt"}
_MANIFEST_CACHE = "private, max-age=5"


@get("/media/assets/{asset_id:str}", include_in_schema=False)
async def asset_media(request: Request[object, object, State], state: State,
                      asset_id: FromPath[str], download: FromQuery[bool] = False
                      ) -> Stream | Redirect:
    """The asset's bytes with Range support; a remote store answers with a redirect."""
    handle = await state.services.media.open(asset_id)
    if handle.remote_url is not None:
        return Redirect(handle.remote_url, status_code=307)
    if handle.package_main is not None and download:  # every object, as one archive
        return await _package_archive(state, asset_id)
    if handle.package_main is not None:  # relative URIs in it must resolve under the package
        return Redirect(package_url(asset_id, handle.package_main), status_code=307)
    return await _serve(request, handle, download)


async def _package_archive(state: State, asset_id: str) -> Stream:
    media = state.services.media
    contents = await media.package_contents(asset_id)
    headers = {"Content-Disposition": _disposition(archive_name(contents), True),
               "Cache-Control": _PRIVATE, "X-Content-Type-Options": "nosniff"}
    return Stream(zip_stream(contents, lambda path: media.open_package_object(contents, path)),
                  media_type="application/zip", headers=headers)


@get("/media/assets/{asset_id:str}/package/{path:path}", include_in_schema=False)
async def asset_package_member(request: Request[object, object, State], state: State,
                               asset_id: FromPath[str], path: FromPath[str]) -> Stream:
    """One object of the package the asset heads, with Range support, from either store."""
    handle = await state.services.media.open_member(asset_id, path.lstrip("/"))
    return await _serve(request, handle, download=False)


def package_url(asset_id: str, member: str) -> str:
    """Where a package member is served: its path under the asset's package route."""
    return f"/media/assets/{quote(asset_id)}/package/{quote(member)}"


async def _serve(request: Request[object, object, State], handle: MediaHandle,
                 download: bool) -> Stream:
    manifest = extension_of(handle.name) in MANIFEST_EXTENSIONS
    headers = {"Accept-Ranges": "bytes",
               "Cache-Control": _MANIFEST_CACHE if manifest else _PRIVATE,
               "Content-Disposition": _disposition(handle.name, download),
               "X-Content-Type-Options": "nosniff"}
    try:
        byte_range = parse_range(request.headers.get("range"), handle.size)
    except HTTPException:
        await handle.close()
        raise
    if byte_range is None:
        headers["Content-Length"] = str(handle.size)
        return Stream(handle.stream(), media_type=_media_type(handle), headers=headers)
    headers["Content-Length"] = str(byte_range.length)
    headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{handle.size}"
    return Stream(handle.stream(byte_range), media_type=_media_type(handle), headers=headers,
                  status_code=HTTP_206_PARTIAL_CONTENT)


@get("/media/assets/{asset_id:str}/thumbnail", include_in_schema=False)
async def asset_thumbnail(state: State, asset_id: FromPath[str], t: FromQuery[float] = 0.0,
                          w: FromQuery[int] = 160) -> Response[bytes]:
    """A JPEG frame of the asset near t seconds (on the asset's grid), made once and cached.

    The small file is read at once, before another request can evict it from the cache."""
    path = await state.services.media.thumbnail(asset_id, t, w)
    return Response(path.read_bytes(), media_type="image/jpeg",
                    headers={"Cache-Control": "public, max-age=86400"})


@get("/media/assets/{asset_id:str}/storyboard.vtt", include_in_schema=False)
async def asset_storyboard(state: State, asset_id: FromPath[str]) -> Response[str]:
    """The storyboard's WebVTT: each time range's tile in the sprite sheet beside it."""
    text = await state.services.media.storyboard_vtt(asset_id, "storyboard.jpg")
    return Response(text, media_type="text/vtt; charset=utf-8",
                    headers={"Cache-Control": _PRIVATE})


@get("/media/assets/{asset_id:str}/storyboard.jpg", include_in_schema=False)
async def asset_storyboard_sprite(state: State, asset_id: FromPath[str]) -> Response[bytes]:
    """The storyboard's sprite sheet, made once in one ffmpeg pass and cached."""
    path = await state.services.media.storyboard_sprite(asset_id)
    return Response(path.read_bytes(), media_type="image/jpeg",
                    headers={"Cache-Control": "public, max-age=86400"})


@get("/media/assets/{asset_id:str}/waveform.json", include_in_schema=False)
async def asset_waveform(state: State, asset_id: FromPath[str]) -> Response[bytes]:
    """The peaks of the asset's audio ({"duration", "sampleRate", "peaks": [[min, max]...]}),
    decoded once by ffmpeg and cached; read at once, before the cache can evict it."""
    path = await state.services.waveform(asset_id)
    return Response(path.read_bytes(), media_type="application/json",
                    headers={"Cache-Control": "private, max-age=86400",
                             "X-Content-Type-Options": "nosniff"})


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
        start, end = max(0, size - _position(last)), size - 1
    else:
        start = _position(first)
        end = min(_position(last), size - 1) if last else size - 1
    if start >= size or start > end or size == 0:
        raise HTTPException(status_code=HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE,
                            headers={"Content-Range": f"bytes */{size}"},
                            detail="requested range not satisfiable")
    return ByteRange(start, end)


def _position(digits: str) -> int:
    """A byte position; one too long to convert (thousands of digits) is past any end."""
    return _PAST_ANY_END if len(digits) > _MAX_DIGITS else int(digits)


def _media_type(handle: MediaHandle) -> str:
    streaming = STREAMING_TYPES.get(extension_of(handle.name))
    guessed, _ = mimetypes.guess_type(handle.name)
    return streaming or guessed or "application/octet-stream"


def _disposition(filename: str, download: bool) -> str:
    kind = "attachment" if download else "inline"
    ascii_name = re.sub(r'[^A-Za-z0-9._ -]', "_", filename)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
