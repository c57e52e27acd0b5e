"""Task names are typed once: every job the domain can queue has a task under that name."""

from service.jobs import Job
from service.workflow.moves import STAGE_JOBS
from service.workflow.table import Tag, states_tagged


def test_every_job_has_a_task_registered_under_its_name() -> None:
    from workers.celery_app import celery_app

    celery_app.loader.import_default_modules()
    registered = {name for name in celery_app.tasks if not name.startswith("celery.")}
    assert {job.value for job in Job} == registered


def test_every_automated_stage_has_its_job() -> None:
    assert set(STAGE_JOBS) == set(states_tagged(Tag.automated))
