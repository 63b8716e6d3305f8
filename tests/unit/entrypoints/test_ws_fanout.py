"""Which subscriptions share a group, and the messages a member sends."""

import json
from types import SimpleNamespace

from mpr.application.authorization import Permission, Principal, PrincipalKind, Role
from mpr.domain.errors import Unauthenticated
from mpr.entrypoints.web.auth import Caller
from mpr.entrypoints.web.graphql.ws_fanout import (
    group_key,
    next_message,
    refusal,
    shared_field,
)

BY_VARIABLE = "subscription ($id: ID!) { jobUpdates(id: $id) { id status progress } }"


def make_operation(query: str = BY_VARIABLE, variables: dict | None = None,
                   operation_name: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(query=query, operation_name=operation_name,
                           variables={"id": "j1"} if variables is None else variables)


def make_caller(role: Role = Role.VIEWER, name: str = "dashboard") -> Caller:
    return Caller(Principal(PrincipalKind.TOKEN, name, role))


def test_a_job_updates_subscription_is_shared_under_its_response_key():
    aliased = "subscription { job: jobUpdates(id: \"j1\") { status } }"

    assert shared_field(BY_VARIABLE, None).key == "jobUpdates"
    assert shared_field(BY_VARIABLE, None).permission is Permission.READ
    assert shared_field(aliased, None).key == "job"


def test_documents_it_cannot_share_run_on_their_own():
    assert shared_field("query { jobs { id } }", None) is None
    assert shared_field("subscription { jobUpdates(id: \"x\") { id } ", None) is None  # syntax
    assert shared_field("subscription { ...F } fragment F on Subscription "
                        "{ jobUpdates(id: \"x\") { id } }", None) is None
    assert shared_field("subscription { jobUpdates(id: \"x\") @skip(if: false) { id } }",
                        None) is None
    assert shared_field("subscription { other(id: \"x\") { id } }", None) is None


def test_the_named_operation_of_a_document_decides():
    two = "query Q { jobs { id } } subscription S { jobUpdates(id: \"x\") { id } }"

    assert shared_field(two, "S").key == "jobUpdates"
    assert shared_field(two, "Q") is None
    assert shared_field(two, None) is None  # ambiguous: Strawberry refuses it


def test_the_same_document_variables_and_role_share_a_key_whoever_holds_it():
    one = group_key(make_operation(variables={"id": "j1", "x": 1}), make_caller(name="a"))
    other = group_key(make_operation(variables={"x": 1, "id": "j1"}), make_caller(name="b"))

    assert one == other


def test_another_job_document_or_role_gets_another_key():
    base = group_key(make_operation(), make_caller())

    assert group_key(make_operation(variables={"id": "j2"}), make_caller()) != base
    assert group_key(make_operation(BY_VARIABLE.replace(" progress", "")),
                     make_caller()) != base
    assert group_key(make_operation(), make_caller(Role.ADMIN)) != base


def test_a_refused_member_gets_the_refusal_code_at_its_field_then_ends():
    payload = refusal(Unauthenticated("invalid, revoked or expired token"), "job")

    body = json.loads(payload.text)

    assert payload.last
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["path"] == ["job"]


def test_a_member_wraps_the_shared_payload_in_its_own_id():
    text = next_message('op"1', '{"data":{"jobUpdates":{"progress":5}}}')

    assert json.loads(text) == {"id": 'op"1', "type": "next",
                                "payload": {"data": {"jobUpdates": {"progress": 5}}}}
