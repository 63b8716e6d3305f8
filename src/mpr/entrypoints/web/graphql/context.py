"""The typed GraphQL context: the request plus MPR's services."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from strawberry.litestar import BaseContext
from strawberry.types import Info as StrawberryInfo

from mpr.bootstrap import Services


class Context(BaseContext, kw_only=True):
    services: Services


Info = StrawberryInfo[Context, Any]


async def context_getter(state: State) -> Context:
    """Litestar injects the app state; the services were put there at start-up."""
    return Context(services=state.services)
