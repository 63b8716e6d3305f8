import logging
from typing import Any

import pytest
from graphql import GraphQLError

from mpr.domain.errors import NotFound
from mpr.entrypoints.web.graphql.errors import INTERNAL_MESSAGE, to_graphql_error
from mpr.entrypoints.web.graphql.limits import MAX_TOKENS
from mpr.entrypoints.web.graphql.schema import make_schema

SCHEMA = make_schema()
LIMIT = "query ($limit: Int!) { presets(limit: $limit) { id } }"
TRIM = "query ($t: Float!) { presets(limit: 1) { id } __typename @include(if: true) }"


async def errors_of(document: str, variables: dict[str, Any] | None = None
                    ) -> list[GraphQLError]:
    result = await SCHEMA.execute(document, variable_values=variables)
    assert result.data is None
    return result.errors or []


def code(error: GraphQLError) -> object:
    return (error.extensions or {}).get("code")


@pytest.mark.parametrize("variables", [
    {"limit": 2**31}, {"limit": float("nan")}, {"limit": float("inf")}, {"limit": "ten"},
    {"limit": None}, {},
], ids=["int-2^31", "nan", "infinity", "string", "null", "missing"])
async def test_refused_variables_are_bad_user_input_without_a_traceback(
        variables: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        errors = await errors_of(LIMIT, variables)

    assert [code(e) for e in errors] == ["BAD_USER_INPUT"]
    assert errors[0].message.startswith("Variable '$limit'")
    assert all(r.levelno <= logging.INFO and r.exc_info is None for r in caplog.records)


async def test_a_syntax_error_is_a_parse_failure() -> None:
    errors = await errors_of("{ presets(limit: ) { id } }")

    assert [code(e) for e in errors] == ["GRAPHQL_PARSE_FAILED"]


async def test_an_unknown_field_is_a_validation_failure() -> None:
    errors = await errors_of("{ nothingHere }")

    assert [code(e) for e in errors] == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_document_over_the_budget_is_refused_before_validation() -> None:
    errors = await errors_of("{ " + " ".join(f"a{i}: nothingHere" for i in range(31)) + " }")

    assert [code(e) for e in errors] == ["QUERY_TOO_COMPLEX"]


async def test_too_many_tokens_stop_the_parser() -> None:
    errors = await errors_of("{ " + "__typename " * (MAX_TOKENS + 1) + "}")

    assert [code(e) for e in errors] == ["GRAPHQL_PARSE_FAILED"]
    assert f"more than {MAX_TOKENS} tokens" in errors[0].message


def test_an_mpr_error_in_a_resolver_keeps_its_message_and_code() -> None:
    error = GraphQLError("x", path=["job"], original_error=NotFound("job", 7))

    mapped = to_graphql_error(error)

    assert (mapped.message, code(mapped)) == ("job 7 not found", NotFound.code)


def test_an_unexpected_resolver_error_is_hidden_and_logged_with_its_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    error = GraphQLError("boom", path=["job"], original_error=KeyError("/srv/secret"))

    with caplog.at_level(logging.ERROR):
        mapped = to_graphql_error(error)

    assert (mapped.message, code(mapped)) == (INTERNAL_MESSAGE, "INTERNAL")
    assert caplog.records[0].exc_info is not None
