"""tus 1.0.0 at /api/uploads/ (creation, termination, expiration, checksum): thin handlers
over the Uploads use cases; the caller needs the upload permission, as on GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, delete, head, patch, post, route
from litestar.datastructures import State
from litestar.exceptions import InternalServerException
from litestar.params import FromPath

from mpr.application.authorization import Permission, Principal
from mpr.application.recording import act_as
from mpr.application.uploads import Appended
from mpr.bootstrap import Services
from mpr.domain.errors import MprError, ValidationError
from mpr.domain.ports import BodyCopy
from mpr.domain.upload import Upload, UploadState
from mpr.entrypoints.web.auth import require
from mpr.entrypoints.web.http_protocol import BODY_COPY, BodyBroken
from mpr.entrypoints.web.ui.access import connection_caller
from mpr.entrypoints.web.uploads.tus import (
    CHECKSUM_ALGORITHMS,
    EXTENSIONS,
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    http_date,
    options_of,
    parse_checksum,
    parse_metadata,
    parse_size,
    status_of,
)

PREFIX = "/api/uploads"
AnyRequest = Request[Any, Any, State]


class ClientGone(ValidationError):
    """The connection closed before the body ended (what arrived is kept)."""

    code = "CLIENT_DISCONNECTED"


def tus_headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}


def error_response(error: MprError) -> Response[dict[str, str]]:
    headers = tus_headers()
    if error.code == "TUS_VERSION":
        headers["Tus-Version"] = TUS_VERSION
    return Response({"error": str(error), "code": error.code}, status_code=status_of(error),
                    headers=headers)


class UnsupportedVersion(ValidationError):
    code = "TUS_VERSION"


async def _principal(request: AnyRequest) -> Principal:
    """The caller, if it may upload and speaks tus 1.0.0; later records name it."""
    services: Services = request.app.state.services
    principal = require(services.access, await connection_caller(request), Permission.UPLOAD)
    act_as(principal.actor)
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise UnsupportedVersion(f"Tus-Resumable: {TUS_VERSION} is required")
    return principal


def _upload_headers(upload: Upload) -> dict[str, str]:
    headers = tus_headers(**{"Upload-Offset": str(upload.offset),
                             "Upload-Length": str(upload.length),
                             "Upload-Expires": http_date(upload.expires_at)})
    if upload.state is UploadState.DONE and upload.asset_id is not None:
        headers["MPR-Asset-Id"] = str(upload.asset_id)
        headers["MPR-Job-Ids"] = ",".join(str(j) for j in upload.job_ids)
    return headers


def _capabilities(state: State) -> Response[None]:
    limits = state.services.uploads.limits
    return Response(None, status_code=204, headers=tus_headers(**{
        "Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS,
        "Tus-Max-Size": str(limits.max_bytes),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS)}))


@route(PREFIX, http_method=["OPTIONS"], include_in_schema=False)
async def tus_options(state: State) -> Response[None]:
    """What this server speaks; no credential needed."""
    return _capabilities(state)


@post(PREFIX, include_in_schema=False, status_code=201)
async def create_upload(request: AnyRequest, state: State) -> Response[None]:
    """Creation: Upload-Length and Upload-Metadata (filename, presets, trimStart/End)."""
    principal = await _principal(request)
    if request.headers.get("upload-defer-length"):
        raise ValidationError("Upload-Defer-Length is not supported: send Upload-Length")
    length = parse_size(request.headers.get("upload-length"), "Upload-Length")
    options = options_of(parse_metadata(request.headers.get("upload-metadata")))
    upload = await state.services.uploads.create(principal, length, options)
    return Response(None, status_code=201, headers={
        **_upload_headers(upload), "Location": f"{PREFIX}/{upload.id}"})


@head(f"{PREFIX}/{{upload_id:str}}", include_in_schema=False)
async def upload_offset(request: AnyRequest, state: State, upload_id: FromPath[str]
                        ) -> Response[None]:
    """Where the upload stands (and, once registered, its asset and jobs)."""
    try:
        upload = await state.services.uploads.status(await _principal(request), upload_id)
    except MprError as e:  # a HEAD answer has no body: the status and code say it
        return Response(None, status_code=status_of(e), headers=tus_headers(
            **{"MPR-Error-Code": e.code, "MPR-Error": quote(str(e)[:500])}))
    return Response(None, status_code=200, headers=_upload_headers(upload))


@patch(f"{PREFIX}/{{upload_id:str}}", include_in_schema=False, request_max_body_size=None,
       status_code=204)
async def append_bytes(request: AnyRequest, state: State, upload_id: FromPath[str]
                       ) -> Response[None]:
    """Bytes at Upload-Offset; the last one registers the file (and starts its jobs)."""
    principal = await _principal(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_CONTENT_TYPE:
        raise ValidationError(f"PATCH needs Content-Type: {OFFSET_CONTENT_TYPE}")
    offset = parse_size(request.headers.get("upload-offset"), "Upload-Offset")
    length = request.headers.get("content-length")
    body_length = None if length is None else parse_size(length, "Content-Length")
    checksum = parse_checksum(request.headers.get("upload-checksum"))
    appended = await state.services.uploads.append(principal, upload_id, offset, body_length,
                                                   _body(request), checksum, _copy(request))
    return Response(None, status_code=204, headers=_appended_headers(appended))


def _appended_headers(appended: Appended) -> dict[str, str]:
    headers = _upload_headers(appended.upload)
    if appended.job_problems:
        headers["MPR-Job-Errors"] = quote("; ".join(appended.job_problems)[:2000])
    return headers


async def _body(request: AnyRequest) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except InternalServerException:
        raise ClientGone("the connection closed before the body ended") from None


def _copy(request: AnyRequest) -> BodyCopy | None:
    """The body straight from the socket, where `mpr serve`'s protocol offers it."""
    extensions: dict[str, Any] = request.scope.get("extensions") or {}
    copy: BodyCopy | None = extensions.get(BODY_COPY)
    if copy is None:
        return None

    async def copied(write: Callable[[memoryview], None]) -> None:
        try:
            await copy(write)
        except BodyBroken as e:
            raise ClientGone(str(e)) from None  # kept: what arrived, unless checksummed

    return copied


@delete(f"{PREFIX}/{{upload_id:str}}", include_in_schema=False, status_code=204)
async def terminate_upload(request: AnyRequest, state: State, upload_id: FromPath[str]
                           ) -> Response[None]:
    """Termination: the upload's bytes are removed."""
    await state.services.uploads.terminate(await _principal(request), upload_id)
    return Response(None, status_code=204, headers=tus_headers())


@route(f"{PREFIX}/{{upload_id:str}}", http_method=["OPTIONS"], include_in_schema=False)
async def tus_upload_options(state: State) -> Response[None]:
    return _capabilities(state)
