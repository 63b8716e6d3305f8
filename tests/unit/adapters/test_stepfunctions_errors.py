import asyncio

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from mpr.adapters.queue.stepfunctions_queue import StepFunctionsQueue
from mpr.domain.errors import QueueError

ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:mpr"


class Refusing:
    """A Step Functions client whose every call fails the given way."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def describe_state_machine(self, **_: object) -> None:
        raise self._error


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"}}, "DescribeStateMachine")


@pytest.mark.parametrize(("error", "said"), [
    (client_error("ThrottlingException"), "throttled"),
    (client_error("StateMachineDoesNotExist"), "does not exist"),
    (client_error("UnrecognizedClientException"), "credentials"),
    (client_error("AccessDeniedException"), "credentials"),
    (EndpointConnectionError(endpoint_url="https://states.eu-west-1.amazonaws.com"),
     "cannot be reached"),
])
def test_step_functions_errors_say_what_to_check(error, said):
    queue = StepFunctionsQueue(ARN, client=Refusing(error))

    with pytest.raises(QueueError, match=said):
        asyncio.run(queue.check())
