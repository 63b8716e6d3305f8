"""The one mapping from MPR errors to GraphQL errors with a machine-readable code."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from mpr.domain.errors import InfrastructureError, MprError

log = logging.getLogger(__name__)


def to_graphql_error(error: GraphQLError) -> GraphQLError:
    """Keep the message of MPR and GraphQL errors and add extensions.code; hide the rest."""
    original = error.original_error
    if original is None:
        code = (error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")
        return _with(error, error.message, code)
    if isinstance(original, MprError):
        if isinstance(original, InfrastructureError):
            log.warning("GraphQL %s: %s", ".".join(map(str, error.path or [])), original)
        return _with(error, str(original), original.code)
    log.error("unexpected error in GraphQL %s", error.path, exc_info=original)
    return _with(error, "internal error; the server log has the details", "INTERNAL")


def _with(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path,
                        extensions={**(error.extensions or {}), "code": code})


class DomainErrors(MaskErrors):
    """A schema extension that passes every error of a result through to_graphql_error."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [to_graphql_error(e) for e in errors]
