import uuid

from mpr.domain.staging import StagingOwner, staging_name, staging_owner


def test_each_run_gets_its_own_staging_name() -> None:
    job_id = uuid.uuid4()

    names = {staging_name(job_id, 1, "mp4"), staging_name(job_id, 1, "mp4"),
             staging_name(job_id, 2, "mp4")}

    assert len(names) == 3


def test_a_staging_name_tells_its_job_and_run() -> None:
    job_id = uuid.uuid4()

    assert staging_owner(staging_name(job_id, 7, "webm")) == StagingOwner(job_id, 7)


def test_names_mpr_did_not_make_have_no_owner() -> None:
    job_id = uuid.uuid4()

    for name in (f"{job_id}.mp4", "upload.part", f"{job_id}.a1.zz.mp4",
                 f"{job_id}.a1.0123abcd.mp4\n", f"../{job_id}.a1.0123abcd.mp4"):
        assert staging_owner(name) is None, name


def test_a_staging_area_name_tells_its_job_and_run_as_a_staged_file_name_did() -> None:
    job_id = uuid.uuid4()

    area = staging_name(job_id, 3)

    assert "." not in area.removeprefix(f"{job_id}.r3.")
    assert staging_owner(area) == StagingOwner(job_id, 3)


def test_an_earlier_versions_name_by_attempt_still_has_its_owner() -> None:
    job_id = uuid.uuid4()

    assert staging_owner(f"{job_id}.a2.0123abcd.mp4") == StagingOwner(job_id, 2)
    assert staging_owner(f"{job_id}.a2.0123abcd") == StagingOwner(job_id, 2)
