import base64
import hashlib
from pathlib import Path

from mpr.bootstrap.status import _shown_database, _where
from mpr.entrypoints.web.security import admin_csp, media_origin, security_headers, ui_csp
from mpr.settings import Settings

SQLADMIN_FLASH_SCRIPT = """
  document.addEventListener('DOMContentLoaded', function () {
    let toasts = document.querySelectorAll('.toast');
    toasts.forEach(function (toastEl) {
      let toast = new window.tabler.bootstrap.Toast(toastEl, { "delay": 3000 });
      toast.show()
    })
  })
"""


async def headers_for(path: str, settings: Settings, sent: dict[str, str] | None = None
                      ) -> dict[str, str]:
    message = {"type": "http.response.start", "status": 200, "headers": [
        (k.lower().encode(), v.encode()) for k, v in (sent or {}).items()]}
    await security_headers(settings)(message, {"type": "http", "raw_path": path.encode()})
    return {k.decode(): v.decode() for k, v in message["headers"]}


async def test_every_response_forbids_framing_sniffing_and_referrers() -> None:
    headers = await headers_for("/health", Settings(samples=False))

    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


async def test_pages_get_their_own_policy_and_a_handler_may_set_its_own_header() -> None:
    settings = Settings(samples=False)

    admin = await headers_for("/admin/job-row/list", settings)
    graphiql = await headers_for("/graphql", settings)
    media = await headers_for("/media/assets/x", settings, {"X-Content-Type-Options": "nosniff"})

    assert admin["content-security-policy"] == admin_csp()
    assert "font-src 'self' data:" in graphiql["content-security-policy"]
    assert media["content-security-policy"] == ui_csp(None)
    assert list(media).count("x-content-type-options") == 1


def test_no_policy_allows_inline_script_or_eval() -> None:
    for policy in (admin_csp(), ui_csp(None), ui_csp("https://s3.example")):
        script = policy.split("script-src ")[1].split(";")[0]
        assert "unsafe" not in script


def test_the_admin_allows_exactly_sqladmins_flash_script_by_its_hash() -> None:
    digest = base64.b64encode(hashlib.sha256(SQLADMIN_FLASH_SCRIPT.encode()).digest()).decode()

    assert f"'sha256-{digest}'" in admin_csp()


def test_media_may_come_from_the_s3_endpoint_only_with_s3_storage() -> None:
    s3 = Settings(samples=False, storage="s3", s3_endpoint_url="http://127.0.0.1:9000/x")

    assert media_origin(Settings(samples=False)) is None
    assert media_origin(s3) == "http://127.0.0.1:9000"
    assert "media-src 'self' http://127.0.0.1:9000 blob:;" in ui_csp(media_origin(s3))


def test_status_details_name_no_absolute_path(tmp_path: Path) -> None:
    settings = Settings(samples=False, data_dir=tmp_path / "data")
    elsewhere = Settings(samples=False, database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db")

    shown = [_shown_database(settings), _where(settings, "in"), _where(settings, "out"),
             _shown_database(elsewhere)]

    assert shown == ["sqlite+aiosqlite: <data dir>/mpr.sqlite3", "<data dir>/media/in",
                     "<data dir>/media/out", "sqlite+aiosqlite: x.db"]
