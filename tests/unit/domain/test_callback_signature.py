import pytest

from mpr.domain.callback_signature import TOLERANCE, signature, verify
from mpr.domain.errors import Unauthenticated

SECRET = b"s" * 40
BODY = b'{"event":"started"}'
NOW = 1_800_000_000


def test_a_signature_made_with_the_secret_verifies_and_gives_its_time():
    header = signature(SECRET, NOW, BODY)

    assert verify(SECRET, header, BODY, NOW + 5) == NOW


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=1,v1=xyz", f"t={NOW},v1=" + "0" * 64,
                                    f"t={NOW},v1={'A' * 64}"])
def test_unsigned_or_malformed_or_wrong_signatures_are_refused(header):
    with pytest.raises(Unauthenticated):
        verify(SECRET, header, BODY, NOW)


def test_another_secret_or_another_body_does_not_verify():
    header = signature(SECRET, NOW, BODY)

    with pytest.raises(Unauthenticated):
        verify(b"t" * 40, header, BODY, NOW)
    with pytest.raises(Unauthenticated):
        verify(SECRET, header, BODY + b" ", NOW)


@pytest.mark.parametrize("skew", [TOLERANCE + 1, -(TOLERANCE + 1), 600, -600])
def test_a_call_signed_too_far_from_the_servers_clock_is_refused(skew):
    header = signature(SECRET, NOW + skew, BODY)

    with pytest.raises(Unauthenticated, match="from the server's clock"):
        verify(SECRET, header, BODY, NOW)


def test_the_time_cannot_be_changed_without_breaking_the_signature():
    header = signature(SECRET, NOW - 600, BODY)
    moved = header.replace(f"t={NOW - 600}", f"t={NOW}")

    with pytest.raises(Unauthenticated, match="does not match"):
        verify(SECRET, moved, BODY, NOW)
