import concurrent.futures

import pytest
from graphql import Source, TokenKind, get_introspection_query, parse
from graphql.language.lexer import Lexer

from mpr.application.queries import MAX_PAGE
from mpr.entrypoints.web.graphql.limits import (
    CODE,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_LISTS,
    MAX_VALUES,
    Size,
    measure,
    refusal,
    token_count,
)
from mpr.entrypoints.web.graphql.schema import make_schema

SCHEMA = make_schema()._schema


def size_of(document: str) -> Size:
    return measure(parse(document), SCHEMA)


def nested(*fields: str) -> str:
    """{ a { b { c } } } for nested("a", "b", "c")."""
    return "{ " + " { ".join(fields) + " }" * len(fields)


def fragment_fan_out(levels: int) -> str:
    """Each fragment spreads the next one twice: 2**levels fields from a few hundred tokens."""
    chain = "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}"
                      for i in range(levels))
    return f"query {{ ...F0 }}\n{chain}\nfragment F{levels} on Query {{ __typename }}"


def test_the_full_introspection_query_is_within_every_limit() -> None:
    size = size_of(get_introspection_query(descriptions=True, specified_by_url=True,
                                           directive_is_repeatable=True, schema_description=True,
                                           input_value_deprecation=True))

    assert refusal(size) is None
    assert (size.depth, size.lists) == (MAX_DEPTH, MAX_LISTS)


def test_counts_fields_aliases_depth_and_nested_lists() -> None:
    size = size_of("{ assets(limit: 5) { id tags } recent: jobs { id } }")

    assert size == Size(fields=5, aliases=1, depth=2, lists=2, cost=5 * (1 + 1 + 10) + 50 * 2)


def test_a_list_costs_its_largest_page_and_a_variable_limit_the_largest_allowed() -> None:
    given = size_of("{ assets(limit: 20) { id } }")
    variable = size_of("query ($n: Int) { assets(limit: $n) { id } }")

    assert (given.cost, variable.cost) == (20 * 2, MAX_PAGE * 2)


def test_refuses_aliased_pages_whose_answer_could_exceed_the_value_budget() -> None:
    pages = " ".join(f"a{i}: assets(limit: 500) {{ id filename duration }}" for i in range(20))

    error = refusal(size_of("{ " + pages + " }"))

    assert error is not None
    assert f"values {20 * 500 * 4} (at most {MAX_VALUES})" in error.message


def test_expands_each_fragment_once_so_a_fan_out_is_measured_at_once() -> None:
    # 2**200 fields: expanding the fragments instead of measuring each once never ends, so
    # the bound below only catches that (it is not a speed target: it holds on a busy host)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        size = pool.submit(size_of, fragment_fan_out(200)).result(timeout=30)

    assert size.fields == 2**200


def test_refuses_a_fragment_fan_out_naming_the_field_count() -> None:
    error = refusal(size_of(fragment_fan_out(20)))

    assert error is not None
    assert error.extensions == {"code": CODE}
    assert f"fields {2**20} (at most {MAX_FIELDS})" in error.message


@pytest.mark.parametrize(("document", "limit"), [
    ("{ " + " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1)) + " }", "aliases"),
    (nested("__schema", "types", "fields", "args", "type", "fields", "name"), "lists"),
    (nested("__schema", "queryType", "fields", "type", *["ofType"] * MAX_DEPTH, "name"),
     "depth"),
])
def test_refuses_a_document_over_one_limit(document: str, limit: str) -> None:
    error = refusal(size_of(document))

    assert error is not None
    assert limit in error.message.replace("nested lists", "lists")


def test_a_cyclic_fragment_is_left_for_validation_to_refuse() -> None:
    size = size_of("query { ...A } fragment A on Query { __typename ...A }")

    assert size.fields == 1


def lexed(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


@pytest.mark.parametrize("query", [
    get_introspection_query(descriptions=True),
    'query ($a: [Int!] = [1, -2.5e3], $b: String = "x # { } \\" y") { f(a: $a, s: """ block'
    ' "" \\""" { } """) @skip(if: false) { ...F ... on Q { a } } } # { { {\n'
    "fragment F on Q { b, c }",
    "{ " + "__typename " * 300 + "}",
], ids=["introspection", "strings-and-comments", "many-fields"])
def test_counts_tokens_as_graphql_cores_lexer_does(query: str) -> None:
    assert token_count(query, at_most=10_000) == lexed(query)


def test_stops_counting_one_past_the_limit() -> None:
    assert token_count("{ " + "__typename " * 100_000 + "}", at_most=10) == 11
