"""The GraphQL-over-HTTP endpoint: body limit, media types and status codes of the spec."""

from __future__ import annotations

from typing import Any, TypeVar

from cross_web import HTTPException
from graphql import GraphQLError
from litestar import Request, Response
from litestar.background_tasks import BackgroundTasks
from litestar.di import Provide
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_413_REQUEST_ENTITY_TOO_LARGE
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.litestar import make_graphql_controller
from strawberry.litestar.controller import GraphQLController
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from mpr.entrypoints.web.graphql.context import context_getter
from mpr.entrypoints.web.graphql.limits import MAX_BODY_BYTES
from mpr.entrypoints.web.graphql.ws_auth import with_ws_auth
from mpr.entrypoints.web.graphql.ws_fanout import shared_subscriptions
from mpr.entrypoints.web.ui import offline_graphiql

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_REQUEST_ERROR = "mpr_graphql_request_error"
_REFUSED = "mpr_graphql_refused"
REFUSAL_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403}
C = TypeVar("C")


def graphql_controller(schema: BaseSchema) -> type[GraphQLController[Any, Any]]:
    """/graphql over HTTP and WebSocket, with the offline GraphiQL page."""
    base = with_ws_auth(make_graphql_controller(schema, path="/graphql",
                                                context_getter=context_getter))
    controller = type("GraphQLController", (_SpecController, base), {
        "graphql_transport_ws_handler_class": shared_subscriptions(),
        "request_max_body_size": MAX_BODY_BYTES,
        "exception_handlers": {RequestEntityTooLarge: _too_large},
    })
    return offline_graphiql(_without_thread_hop(controller))


class _SpecController(GraphQLController[Any, Any]):
    """Answers in application/graphql-response+json when asked, with 400 for request errors
    (parsing, validation, variables); refuses subscriptions outside a WebSocket."""

    async def execute_request(self, request: Request[Any, Any, Any], context: Any,
                              root_value: Any) -> Response[Any]:
        response = await super().execute_request(request, context, root_value)
        if _wants_graphql_response(request) and response.media_type == JSON:
            response.media_type = GRAPHQL_RESPONSE
            if request.state.get(_REQUEST_ERROR):
                response.status_code = HTTP_400_BAD_REQUEST
        refused = request.state.get(_REFUSED)
        if refused:
            response.status_code = refused
            if refused == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="mpr"'
        return response

    async def process_result(self, request: Request[Any, Any, Any], result: ExecutionResult
                             ) -> GraphQLHTTPResponse:
        body = await super().process_result(request, result)
        if _wants_graphql_response(request) and _is_request_error(result):
            body.pop("data", None)
            request.state[_REQUEST_ERROR] = True
        request.state[_REFUSED] = _refusal_status(result)
        return body

    async def execute_single(self, request: Request[Any, Any, Any], request_adapter: Any,
                             sub_response: Response[Any], context: Any, root_value: Any,
                             request_data: GraphQLRequestData) -> ExecutionResult:
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query, root_value=root_value, context_value=context,
                variable_values=request_data.variables, allowed_operation_types=allowed,
                operation_name=request_data.operation_name,
                operation_extensions=request_data.extensions)
        except InvalidOperationTypeError as e:
            if e.operation_type is not OperationType.SUBSCRIPTION:
                raise HTTPException(400, e.as_http_error_reason(request_adapter.method)) from e
            return PreExecutionError(data=None, errors=[GraphQLError(
                "subscriptions are served over a WebSocket (graphql-transport-ws) on /graphql",
                extensions={"code": "SUBSCRIPTION_NEEDS_WEBSOCKET"})])


def _wants_graphql_response(request: Request[Any, Any, Any]) -> bool:
    """Asked for by name (a missing Accept or */* keeps the legacy application/json)."""
    if GRAPHQL_RESPONSE not in request.headers.get("accept", ""):
        return False
    return request.accept.best_match([GRAPHQL_RESPONSE, JSON]) == GRAPHQL_RESPONSE


def _is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: the document or its variables were refused (GraphQL over HTTP)."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(
        e.path is None and (e.extensions or {}).get("code") != "INTERNAL" for e in errors)


def _refusal_status(result: ExecutionResult) -> int | None:
    """401 or 403 when access control refused the whole operation: no field gave data and
    every error is UNAUTHENTICATED or FORBIDDEN (401 if any is). Partial data stays 200."""
    errors = result.errors or []
    data = result.data
    if not errors or (data is not None and any(v is not None for v in data.values())):
        return None
    found = {(e.extensions or {}).get("code") for e in errors}
    if not found <= REFUSAL_STATUS.keys():
        return None
    return 401 if "UNAUTHENTICATED" in found else 403


def _too_large(request: Request[Any, Any, Any], _: Exception) -> Response[dict[str, Any]]:
    error = {"message": f"request body over {MAX_BODY_BYTES // 1024} KiB",
             "extensions": {"code": "REQUEST_TOO_LARGE"}}
    media_type = GRAPHQL_RESPONSE if _wants_graphql_response(request) else JSON
    return Response({"errors": [error]}, status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                    media_type=media_type)


def _without_thread_hop(controller: type[C]) -> type[C]:
    """Strawberry builds each request's empty Response in a worker thread; build it inline."""
    dependencies = {**getattr(controller, "dependencies", {}),
                    "response": Provide(_empty_response, sync_to_thread=False)}
    return type(controller.__name__, (controller,), {"dependencies": dependencies})


def _empty_response() -> Response[dict[str, object]]:
    return Response({}, background=BackgroundTasks([]))
