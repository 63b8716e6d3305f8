"""graphql-transport-ws where the subscriptions of one job that ask for the same thing share
one execution per update.

A `jobUpdates` subscription whose caller may read joins the group of its (document,
operation name, variables, role): the group runs the document once through Strawberry,
serialises each result once and every member sends that text under its own id. Each
member's credential is re-checked once per credential (rechecks.CredentialWatches), and a
refused one ends only that member, with the refusal's code. Any other operation runs as
Strawberry runs it.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLError, OperationType, get_operation_ast, parse
from graphql.error import GraphQLFormattedError
from litestar.exceptions import WebSocketDisconnect
from strawberry.http.async_base_view import AsyncWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.litestar.controller import LitestarWebSocketAdapter
from strawberry.schema import BaseSchema
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from mpr.application.authorization import Permission
from mpr.domain.errors import MprError
from mpr.entrypoints.web.auth import Caller, require
from mpr.entrypoints.web.graphql.context import Context
from mpr.entrypoints.web.graphql.errors import to_graphql_error
from mpr.entrypoints.web.graphql.fanout import FanOut
from mpr.entrypoints.web.graphql.rechecks import WATCHES

log = logging.getLogger(__name__)
SHARED_FIELDS = {"jobUpdates": Permission.READ}  # root fields whose payloads fan out
Encode = Callable[[object], str]


@dataclass(frozen=True, slots=True)
class Payload:
    """One item for a member: a `next` payload's JSON text, or the errors of a document
    refused before execution (an `error` message); `last` ends the member after it."""

    text: str | None = None
    errors: list[GraphQLFormattedError] | None = None
    last: bool = False


@dataclass(frozen=True, slots=True)
class Shared:
    """A subscription that may join a group: its root field's response key and permission."""

    key: str
    permission: Permission


@functools.lru_cache(maxsize=256)
def shared_field(query: str, operation_name: str | None) -> Shared | None:
    """The one shared root field a subscription document selects, or None."""
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return None  # Strawberry says what is wrong with it
    if operation is None or operation.operation is not OperationType.SUBSCRIPTION:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(field := selections[0], FieldNode):
        return None
    permission = SHARED_FIELDS.get(field.name.value)
    if permission is None or field.directives:
        return None
    return Shared((field.alias or field.name).value, permission)


def group_key(operation: Operation[Context, Any], caller: Caller) -> Hashable:
    """What a group's payloads depend on: the document, its variables and the caller's role."""
    variables = json.dumps(operation.variables, sort_keys=True, default=str)
    return operation.query, operation.operation_name, variables, caller.principal.role


class SharedSubscriptions(BaseGraphQLTransportWSHandler[Context, Any]):
    """The graphql-transport-ws handler of one app; `groups` is that app's."""

    groups: FanOut[Payload]

    async def run_operation(self, operation: Operation[Context, Any]) -> None:
        shared = shared_field(operation.query, operation.operation_name)
        caller = await self.context.caller() if shared is not None else None
        if shared is None or caller is None or not self._allowed(caller, shared.permission):
            await super().run_operation(operation)  # refusals are explained as usual
            return
        try:
            await self._run_member(operation, caller, shared)
        except WebSocketDisconnected:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    def _allowed(self, caller: Caller, permission: Permission) -> bool:
        try:
            require(self.context.services.access, caller, permission)
        except MprError:
            return False
        return True

    async def _run_member(self, operation: Operation[Context, Any], caller: Caller,
                          shared: Shared) -> None:
        source = functools.partial(group_source, self.schema, self.view.encode_json_string,
                                   operation, Context.shared_by(self.context.services, caller))
        context = self.context
        async with self.groups.member(group_key(operation, caller), source) as inbox:
            with WATCHES.watching(context.services.access, context.credential,
                                  shared.permission,
                                  lambda e: inbox.put_nowait(refusal(e, shared.key))):
                while isinstance(item := await inbox.get(), Payload):  # END ends it
                    if item.errors is not None:
                        await operation.send_operation_message(
                            {"id": operation.id, "type": "error", "payload": item.errors})
                        return
                    if item.text is not None and not operation.completed:
                        await send_text(self.websocket, next_message(operation.id, item.text))
                    if item.last:
                        break
        await operation.send_operation_message({"id": operation.id, "type": "complete"})


async def group_source(schema: BaseSchema, encode: Encode, operation: Operation[Context, Any],
                       context: Context) -> AsyncIterator[Payload]:
    """The group's payloads: its document run once, each result serialised once."""
    results = await schema.stream(operation.query, variable_values=operation.variables,
                                  context_value=context, operation_name=operation.operation_name)
    async with aclosing(results):
        first = True
        async for result in results:
            if first and isinstance(result, PreExecutionError):
                yield Payload(errors=[e.formatted for e in result.errors or []])
                return
            if not isinstance(result, ExecutionResult):
                message = "Incremental delivery is not supported over graphql-transport-ws"
                yield Payload(errors=[GraphQLError(message).formatted])
                return
            first = False
            yield Payload(text=encode(next_payload(result)))


def next_payload(result: ExecutionResult) -> dict[str, object]:
    """A `next` message's payload, as Strawberry builds it."""
    payload: dict[str, object] = {"data": result.data}
    if result.errors:
        payload["errors"] = [e.formatted for e in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


def refusal(error: Exception, key: str) -> Payload:
    """The last payload of a member whose credential was refused (or could not be checked)."""
    formatted = to_graphql_error(GraphQLError(str(error), path=[key], original_error=error))
    return Payload(text=json.dumps({"data": None, "errors": [formatted.formatted]}), last=True)


def next_message(operation_id: str, payload_text: str) -> str:
    """A `next` message around a payload serialised once for the whole group."""
    return f'{{"id":{json.dumps(operation_id)},"type":"next","payload":{payload_text}}}'


async def send_text(websocket: AsyncWebSocketAdapter, text: str) -> None:
    """Send an already serialised message."""
    if not isinstance(websocket, LitestarWebSocketAdapter):
        await websocket.send_json(json.loads(text))
        return
    try:
        await websocket.ws.send_data(data=text)
    except WebSocketDisconnect as e:
        raise WebSocketDisconnected from e


def shared_subscriptions() -> type[SharedSubscriptions]:
    """A handler class with its own groups, for one app."""
    groups: FanOut[Payload] = FanOut()
    return type("SharedSubscriptions", (SharedSubscriptions,), {"groups": groups})
