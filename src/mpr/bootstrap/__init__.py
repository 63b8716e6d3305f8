"""The composition root: the only package that knows every adapter.

`build(settings)` wires a dependency-injector container from the settings and returns
`Services`, the typed set of use cases and lifecycle hooks the entrypoints use;
`build_worker(settings, threads)` does the same for an `mpr worker` process, and
`lambda_runtime.build_lambda(settings)` the little a Lambda invocation needs. The names
below load on first use, so a Lambda importing `mpr.bootstrap.lambda_runtime` does not
import the database, the web framework or the container.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mpr.bootstrap.services import Services, build, migrate_database, prepared
    from mpr.bootstrap.worker import WorkerParts, build_worker

__all__ = ["Services", "WorkerParts", "build", "build_worker", "migrate_database", "prepared"]
_HOMES = {"Services": "services", "build": "services", "migrate_database": "services",
          "prepared": "services", "WorkerParts": "worker", "build_worker": "worker"}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
