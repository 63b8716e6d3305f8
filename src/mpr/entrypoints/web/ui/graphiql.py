"""GraphiQL served with MPR's own copies of its scripts and styles (works offline)."""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from mpr.entrypoints.web.ui.pages import TEMPLATES

T = TypeVar("T")


@cache
def graphiql_html() -> str:
    return (TEMPLATES / "graphiql.html").read_text(encoding="utf-8")


def offline_graphiql(controller: type[T]) -> type[T]:
    """The GraphQL controller with its IDE page replaced by the vendored one."""
    return type(controller.__name__, (controller,),
                {"graphql_ide_html": property(lambda _: graphiql_html())})
