"""The zero-setup filesystem broker: depths from its folder, heartbeats beside the messages."""

from pathlib import Path

from service.admin.broker import forget_worker, live_workers, queue_depths, record_heartbeat
from service.config import Settings


def _filesystem(folder: Path) -> Settings:
    return Settings(broker_url="filesystem://", broker_folder=folder)


def test_filesystem_depth_counts_the_waiting_message_files(tmp_path: Path) -> None:
    for name in ("1_a.celery.msg", "2_b.celery.msg", "3_c.other.msg"):
        (tmp_path / name).write_bytes(b"{}")
    (tmp_path / "processed").mkdir()
    view = queue_depths(settings=_filesystem(tmp_path), queues=["celery"])
    assert view.transport == "filesystem"
    assert [(q.name, q.depth) for q in view.queues] == [("celery", 2)]
    assert view.reserved is None and view.error is None


def test_filesystem_heartbeats_list_a_worker_until_it_shuts_down(tmp_path: Path) -> None:
    settings = _filesystem(tmp_path)
    assert live_workers(settings=settings).live == []
    record_heartbeat(settings=settings, hostname="celery@host-a")
    [worker] = live_workers(settings=settings).live
    assert worker.hostname == "celery@host-a"
    assert worker.seconds_ago < 5
    forget_worker(settings=settings, hostname="celery@host-a")
    assert live_workers(settings=settings).live == []


def test_a_broker_that_cannot_be_read_says_so() -> None:
    settings = Settings(broker_url="amqp://guest@localhost//")
    view = queue_depths(settings=settings, queues=["celery"])
    assert [(q.name, q.depth) for q in view.queues] == [("celery", None)]
    assert view.error == "queue depths cannot be read from the amqp:// broker"
    assert live_workers(settings=settings).error
