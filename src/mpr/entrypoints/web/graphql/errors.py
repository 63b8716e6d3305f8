"""The one mapping from MPR errors to GraphQL errors with a machine-readable code."""

from __future__ import annotations

import logging

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors
from strawberry.types.execution import PreExecutionError
from strawberry.utils.str_converters import to_camel_case

from mpr.domain.errors import InfrastructureError, MprError

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "internal error; the server log has the details"


def to_graphql_error(error: GraphQLError, *, executing: bool = True) -> GraphQLError:
    """Keep the message of MPR and GraphQL errors and add extensions.code; hide the rest.

    `executing` is False for errors found before execution (parsing, validation): with it
    True, an error at no path is graphql-core refusing the variables (BAD_USER_INPUT).
    """
    original = error.original_error
    if isinstance(original, MprError):
        if isinstance(original, InfrastructureError):
            log.warning("GraphQL %s: %s", ".".join(map(str, error.path or [])), original)
        coded = with_code(error, str(original), original.code)
        field = getattr(original, "field", None)
        if field:  # the input field at fault, by its GraphQL name: a form shows it beside it
            coded.extensions = {**(coded.extensions or {}), "field": to_camel_case(field)}
        return coded
    if _refused_request(error, executing):
        return with_code(error, error.message, _request_code(error, executing))
    log.error("unexpected error in GraphQL %s", error.path, exc_info=original or error)
    return with_code(error, INTERNAL_MESSAGE, "INTERNAL")


def _refused_request(error: GraphQLError, executing: bool) -> bool:
    """graphql-core refusing the document or its variables, not a resolver failing."""
    original = error.original_error
    own = original is None or isinstance(original, GraphQLError)
    if not executing:
        return own
    return error.path is None and (own or isinstance(original, (TypeError, ValueError)))


def _request_code(error: GraphQLError, executing: bool) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if not executing:
        return "GRAPHQL_VALIDATION_FAILED"
    log.info("refused GraphQL variables: %s", error.message)
    return "BAD_USER_INPUT"


def with_code(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path,
                        extensions={**(error.extensions or {}), "code": code})


class DomainErrors(MaskErrors):
    """A schema extension that passes every error of a result through to_graphql_error."""

    def _process_result(self, result: object) -> None:
        errors: list[GraphQLError] | None = getattr(result, "errors", None)
        if errors:
            executing = not isinstance(result, PreExecutionError)
            result.errors = [to_graphql_error(e, executing=executing)  # type: ignore[attr-defined]
                             for e in errors]

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [to_graphql_error(e) for e in errors]
