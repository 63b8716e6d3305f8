"""The assembled GraphQL schema."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from mpr.entrypoints.web.graphql.access import AccessMutation, AccessQuery
from mpr.entrypoints.web.graphql.batch import BatchMutation, BatchQuery
from mpr.entrypoints.web.graphql.documents import document_extensions
from mpr.entrypoints.web.graphql.errors import DomainErrors
from mpr.entrypoints.web.graphql.mutations import Mutation
from mpr.entrypoints.web.graphql.queries import Query
from mpr.entrypoints.web.graphql.subscriptions import Subscription

DOCUMENT_CACHE_SIZE = 256


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        """Errors are logged where they are mapped (errors.py), without noise for bad input."""


def make_schema() -> strawberry.Schema:
    # Clients send the same few documents over and over: parse and validate each once.
    query = merge_types("Query", (Query, AccessQuery, BatchQuery))
    mutation = merge_types("Mutation", (Mutation, AccessMutation, BatchMutation))
    return Schema(query=query, mutation=mutation, subscription=Subscription,
                  extensions=[DomainErrors, *document_extensions(DOCUMENT_CACHE_SIZE)])
