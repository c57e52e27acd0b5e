"""The fault suite's smallest scenario, end to end on servers of its own (bench/faults.py).

`make faults` runs every scenario; this keeps the suite's code working inside `make test`:
a private Redis without persistence is SIGKILLed with five submissions' jobs queued in it,
and every proposal must still reach review, once each, with nothing left stalled or unsent.
"""

from pathlib import Path

from bench.faults import run


def test_redis_killed_with_jobs_queued_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    [result] = run(["redis-killed"], n=5, timeout=120, folder=tmp_path / "faults")
    assert result.recovery is not None, result.counts
    assert (result.lost, result.duplicated, result.stuck) == (0, 0, 0), result.counts
    assert result.counts["notifications"] == 5 * 3  # each reviewer's invitation, once
