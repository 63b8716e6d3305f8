"""Integration tests need real services; a missing one fails with a clear message."""

from __future__ import annotations

import shutil
import socket

import pytest


def require_port(name: str, host: str, port: int, hint: str) -> None:
    """Fail (never skip) when a service does not answer on host:port."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as e:
        pytest.fail(f"{name} is not reachable on {host}:{port} ({e}); {hint}", pytrace=False)


def require_command(command: str, hint: str) -> str:
    """The path of a command the tests run, or a failure saying how to get it."""
    path = shutil.which(command)
    if path is None:
        pytest.fail(f"`{command}` is not installed; {hint}", pytrace=False)
    return path
