from mpr.application.system_status import SystemStatus
from mpr.domain.errors import StorageError


class Up:
    async def check(self):
        return None


class Down:
    async def check(self):
        raise StorageError("bucket mpr-media-in does not exist")


async def test_all_components_up_is_ok(queue):
    report = await SystemStatus({"database": Up(), "queue": Up()}, queue, "1.0", "local",
                                {"database": "sqlite"})()

    assert report.status == "ok"
    assert report.queue is not None


async def test_a_failing_component_degrades_the_status_and_says_why(queue):
    report = await SystemStatus({"database": Up(), "storage_in": Down()}, queue, "1.0",
                                "local", {"storage_in": "s3"})()

    assert report.status == "degraded"
    failing = [c for c in report.components if not c.ok]
    assert failing[0].detail == "s3: bucket mpr-media-in does not exist"
