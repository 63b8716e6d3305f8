"""Debian's nginx running deploy/nginx/mpr.conf.template, rendered as the official image does.

The template is rendered by scripts/render-nginx-templates.sh (the image's envsubst step)
into a stand-in for the image's nginx.conf, which includes it in its http block; nginx runs
unprivileged-style from its own prefix directory, in the foreground, on a loopback port.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.server_fixtures import free_port
from tests.integration.services import require_command

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "deploy" / "nginx"
RENDER = ROOT / "scripts" / "render-nginx-templates.sh"
START_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Nginx:
    """A running nginx: where it listens and what it logged."""

    port: int
    prefix: Path
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        return (self.prefix / "error.log").read_text("utf-8", "replace")


def render_templates(output_dir: Path, **variables: str) -> list[Path]:
    """Every deploy/nginx/*.template rendered with these variables (and the environment)."""
    require_command("envsubst", "run `make test` (it installs gettext-base) or apt install "
                                "gettext-base")
    subprocess.run([str(RENDER), str(TEMPLATES), str(output_dir)], check=True,
                   env={**os.environ, **variables}, timeout=30)
    return sorted(output_dir.glob("*.conf"))


def main_config(prefix: Path) -> Path:
    """The image's nginx.conf, in short: mime types, then conf.d/*.conf in the http block.
    As root, the workers stay root here: pytest's directories are closed to `nobody`."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    path = prefix / "nginx.conf"
    path.write_text(f"""{user}pid {prefix}/nginx.pid;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/conf.d/*.conf;
}}
""")
    return path


@contextlib.contextmanager
def running_nginx(prefix: Path, api_upstream: str) -> Iterator[Nginx]:
    """nginx in front of api_upstream (host:port) on a free loopback port until the block ends."""
    executable = require_command("nginx", "run `make test` (it installs nginx) or apt install "
                                          "nginx")
    port = free_port()
    render_templates(prefix / "conf.d", MPR_API_UPSTREAM=api_upstream,
                     NGINX_LISTEN=f"127.0.0.1:{port}")
    config = main_config(prefix)
    argv = [executable, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(config)]
    checked = subprocess.run([*argv, "-t", "-q"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, f"nginx -t failed:\n{checked.stderr}"
    process = subprocess.Popen([*argv, "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nginx = Nginx(port, prefix, process)
    try:
        _wait_listening(nginx)
        yield nginx
    finally:
        _stop(process)



def _wait_listening(nginx: Nginx) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if nginx.process.poll() is not None:
            pytest.fail(f"nginx exited with code {nginx.process.returncode}:\n"
                        f"{nginx.error_log()}", pytrace=False)
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", nginx.port),
                                                                    timeout=1):
            return
        time.sleep(0.05)
    pytest.fail(f"nginx did not listen within {START_TIMEOUT:.0f} s:\n{nginx.error_log()}",
                pytrace=False)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # fast shutdown: open WebSockets are cut
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
