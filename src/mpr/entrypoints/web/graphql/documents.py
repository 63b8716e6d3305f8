"""Parsing and validation of GraphQL documents: bounded, cached, and off the event loop.

A document that is not in the caches is parsed and validated in a worker thread, so even
the largest one the limits allow never holds up other requests (/health among them).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from functools import partial

from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter, ParserCache, SchemaExtension, ValidationCache

from mpr.entrypoints.web.graphql.errors import with_code
from mpr.entrypoints.web.graphql.limits import MAX_TOKENS, measure, refusal, token_count


class ThreadedParser(ParserCache):
    """ParserCache, parsing in a worker thread; a syntax error leaves with its code, and a
    document over the token limit is refused without parsing."""

    async def on_parse(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context
        if context.query and token_count(context.query) > MAX_TOKENS:
            raise GraphQLError(f"Syntax Error: Document contains more than {MAX_TOKENS} tokens. "
                               "Parsing aborted.", extensions={"code": "GRAPHQL_PARSE_FAILED"})
        try:
            context.graphql_document = await asyncio.to_thread(
                self.cached_parse_document, context.query, **context.parse_options)
        except GraphQLError as e:
            # raised from here it skips the result's error mapping: it carries its code
            raise with_code(e, e.message, "GRAPHQL_PARSE_FAILED") from None
        yield


class BudgetedValidation(ValidationCache):
    """Refuse a document over the limits at once; validate (cached, in a worker thread)
    only those within them."""

    async def on_validate(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context
        document, schema = context.graphql_document, context.schema._schema
        if document is not None:
            error = refusal(measure(document, schema))
            context.pre_execution_errors = [error] if error else await asyncio.to_thread(
                self.cached_validate_document, schema, document, context.validation_rules)
        yield


def document_extensions(cache_size: int) -> list[Callable[[], SchemaExtension]]:
    """Per-request extensions: the token limit (the parser stops there), threaded cached
    parsing, and the size budget before validation."""
    return [partial(MaxTokensLimiter, MAX_TOKENS), partial(ThreadedParser, maxsize=cache_size),
            partial(BudgetedValidation, maxsize=cache_size)]
