"""gunicorn settings that `kinframe serve` loads (`--config python:kinframe.ops.gunicorn_config`).

With several web processes, prometheus-client keeps each process's counters in
`PROMETHEUS_MULTIPROC_DIR`; a process that exits must be marked dead so its live gauges go.
"""

import os


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
