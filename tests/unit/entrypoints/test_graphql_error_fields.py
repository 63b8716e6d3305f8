"""A refusal that names an input field carries it, by its GraphQL name, in extensions.field."""

from graphql import GraphQLError

from mpr.domain.errors import Conflict, NotFound, ValidationError
from mpr.entrypoints.web.graphql.errors import to_graphql_error


def mapped(original: Exception) -> GraphQLError:
    return to_graphql_error(GraphQLError("raw", original_error=original, path=["createPreset"]))


def test_a_field_named_by_a_refusal_is_given_in_camel_case_beside_the_code() -> None:
    error = mapped(ValidationError("video CRF for libx264 must be between 0 and 51",
                                   field="video_crf"))

    assert error.message == "video CRF for libx264 must be between 0 and 51"
    assert error.extensions == {"code": "BAD_USER_INPUT", "field": "videoCrf"}


def test_a_taken_name_is_a_conflict_about_the_name() -> None:
    error = mapped(Conflict("a preset named x already exists", field="name"))

    assert error.extensions == {"code": "CONFLICT", "field": "name"}


def test_a_refusal_about_no_field_has_no_field_extension() -> None:
    assert mapped(NotFound("preset", "x")).extensions == {"code": "NOT_FOUND"}
    assert mapped(ValidationError("bad trim")).extensions == {"code": "BAD_USER_INPUT"}
