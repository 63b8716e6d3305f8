"""A job keeps what its run noticed: bounded, without repeats, reset with every new run."""

from mpr.domain.job import MAX_WARNING_LENGTH, MAX_WARNINGS
from tests.factories import NOW, make_job


def test_a_warning_is_kept_once_and_stripped():
    job = make_job()

    job.warn("  stream 1: partial file\n")
    job.warn("stream 1: partial file")

    assert job.warnings == ["stream 1: partial file"]


def test_blank_warnings_are_ignored():
    job = make_job()

    job.warn("   ")

    assert job.warnings == []


def test_warnings_are_bounded_in_count_and_length():
    job = make_job()

    for n in range(MAX_WARNINGS + 5):
        job.warn(f"warning {n} " + "x" * MAX_WARNING_LENGTH)

    assert len(job.warnings) == MAX_WARNINGS
    assert all(len(w) == MAX_WARNING_LENGTH for w in job.warnings)
    assert job.warnings[0].startswith("warning 0 ")


def test_a_new_start_forgets_the_warnings_of_the_last_run():
    job = make_job()
    job.start(NOW, "w1")
    job.warn("Packet corrupt")

    job.requeue(NOW, "worker stopped")
    requeued = list(job.warnings)
    job.start(NOW, "w2")
    job.warn("again")
    job.fail(NOW, "broken")
    job.retry(NOW)

    assert requeued == []
    assert job.warnings == []


def test_start_clears_warnings_left_on_a_pending_job():
    job = make_job(warnings=["left over"])

    job.start(NOW, "w1")

    assert job.warnings == []
