import itertools

import pytest

from mpr.domain.errors import InvalidTransition
from mpr.domain.job import ACTIONS, TRANSITIONS, JobStatus, Progress
from tests.factories import NOW, make_job

P, R, C, F, X = (JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.COMPLETED,
                 JobStatus.FAILED, JobStatus.CANCELLED)
ALLOWED = {(P, R), (P, X), (R, C), (R, F), (R, X), (R, P), (F, P), (X, P)}


def _act(job, action):
    if action == "start":
        job.start(NOW, "w1")
    elif action == "complete":
        job.complete(NOW, job.id)
    elif action == "fail":
        job.fail(NOW, "boom")
    elif action == "requeue":
        job.requeue(NOW, "worker lost")
    else:
        getattr(job, action)(NOW)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(JobStatus, JobStatus)))
def test_every_status_pair_is_reachable_only_if_allowed(source, target):
    reachable = {TRANSITIONS[(source, a)] for a in ACTIONS if (source, a) in TRANSITIONS}

    assert (target in reachable) == ((source, target) in ALLOWED)


@pytest.mark.parametrize(("source", "action"), list(itertools.product(JobStatus, ACTIONS)))
def test_each_action_moves_or_is_refused_naming_job_state_and_action(source, action):
    job = make_job(status=source)

    if (source, action) in TRANSITIONS:
        _act(job, action)
        assert job.status is TRANSITIONS[(source, action)]
    else:
        with pytest.raises(InvalidTransition) as err:
            _act(job, action)
        assert str(job.id) in str(err.value)
        assert source.value in str(err.value)
        assert action in str(err.value)
        assert job.status is source


def test_start_counts_an_attempt_and_records_the_worker():
    job = make_job()

    job.start(NOW, "worker-7")

    assert (job.attempts, job.worker_id, job.started_at) == (1, "worker-7", NOW)


def test_retry_clears_the_previous_run():
    job = make_job(status=JobStatus.FAILED, error_message="x", progress=40.0, attempts=3)

    job.retry(NOW)

    assert (job.status, job.error_message, job.progress, job.attempts) == (P, None, 0.0, 0)


def test_progress_never_moves_backwards_and_is_clamped():
    job = make_job(status=JobStatus.PROCESSING)

    job.record_progress(NOW, Progress(percent=60))
    job.record_progress(NOW, Progress(percent=30))
    after_backwards = job.progress
    job.record_progress(NOW, Progress(percent=250))

    assert (after_backwards, job.progress) == (60, 100)


def test_progress_is_refused_unless_processing():
    job = make_job(status=JobStatus.CANCELLED)

    with pytest.raises(InvalidTransition):
        job.record_progress(NOW, Progress(percent=10))


def test_only_pending_and_processing_are_active():
    assert {s for s in JobStatus if s.is_active} == {P, R}
