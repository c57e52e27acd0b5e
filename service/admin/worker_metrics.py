"""`committee worker --metrics-port N`: the pool's task metrics, summed, served on port N.

prometheus_client picks where samples live when it is first imported, so this module imports
nothing of it until PROMETHEUS_MULTIPROC_DIR is set: then every pool process writes its own
samples under that folder and the server in the worker's main process sums them at each scrape.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def serve_worker_metrics(port: int) -> None:
    """Serve this worker's task metrics on `port`; call before the worker (or Celery) starts."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # A fresh folder per worker start: samples of an earlier run must not be summed in.
        folder = tempfile.mkdtemp(prefix="committee-worker-metrics-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    from service.admin.metrics import start_multiprocess_server

    start_multiprocess_server(port)
