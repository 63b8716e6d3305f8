"""Which subscriptions share a group, and the messages a member sends."""

import dataclasses
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace

from mpr.application.authorization import Permission, Policy, Principal, PrincipalKind, Role
from mpr.domain.errors import Unauthenticated
from mpr.domain.job import JobStatus
from mpr.entrypoints.web.auth import Caller
from mpr.entrypoints.web.graphql.context import Context
from mpr.entrypoints.web.graphql.fanout import END, FanOut
from mpr.entrypoints.web.graphql.schema import make_schema
from mpr.entrypoints.web.graphql.ws_fanout import (
    Payload,
    group_key,
    group_source,
    next_message,
    refusal,
    shared_field,
)
from tests.factories import make_job

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


# -- a group's source: the real schema, run once for all its members --

class OneJobWatch:
    """Hands out the scripted states of one job; counts who asked."""

    def __init__(self, states: list) -> None:
        self.states, self.readers = states, 0

    async def updates(self, job_id: str):
        self.readers += 1
        for state in self.states:
            yield state


async def test_a_group_runs_the_document_once_and_its_members_get_the_same_text():
    job = make_job(status=JobStatus.PROCESSING, progress=10.0)
    states = [job, dataclasses.replace(job, progress=55.0)]
    watch = OneJobWatch(states)
    services = SimpleNamespace(job_watch=watch, access=SimpleNamespace(policy=Policy()))
    schema, groups = make_schema(), FanOut[Payload]()
    operation = make_operation(variables={"id": str(job.id)})

    def source() -> AsyncIterator[Payload]:
        return group_source(schema, json.dumps, operation,
                            Context.shared_by(services, make_caller()))
    got: list[list[str]] = [[], []]

    async with groups.member("k", source) as first, groups.member("k", source) as second:
        for inbox, into in ((first, got[0]), (second, got[1])):
            while (item := await inbox.get()) is not END:
                into.append(item.text)

    assert watch.readers == 1
    assert got[0] == got[1]
    assert [json.loads(t)["data"]["jobUpdates"]["progress"] for t in got[0]] == [
        s.progress for s in states]
