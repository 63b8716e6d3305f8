import pytest
from litestar.exceptions import HTTPException

from mpr.application.media_access import ByteRange
from mpr.entrypoints.web.ui.media import parse_range

SIZE = 1000
HUGE = "9" * 5000  # more digits than int() converts


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", ByteRange(0, 99)),
    (f"bytes=10-{HUGE}", ByteRange(10, SIZE - 1)),
    (f"bytes=-{HUGE}", ByteRange(0, SIZE - 1)),
    ("bytes=-100", ByteRange(900, SIZE - 1)),
])
def test_a_position_past_the_end_is_clamped_like_any_other(header: str,
                                                           expected: ByteRange) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize("header", [f"bytes={HUGE}-", f"bytes={HUGE}-{HUGE}", "bytes=1000-"])
def test_a_start_past_the_end_is_416_however_many_digits_it_has(header: str) -> None:
    with pytest.raises(HTTPException) as refused:
        parse_range(header, SIZE)

    assert refused.value.status_code == 416
    assert refused.value.headers == {"Content-Range": f"bytes */{SIZE}"}
