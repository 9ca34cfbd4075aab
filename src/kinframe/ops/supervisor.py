"""Keep a child process running: start it again when it exits, with growing pauses, and say so.

``kinframe serve`` runs the task worker beside gunicorn. Before, a worker that exited (a dropped
database connection was enough) stayed dead until someone restarted the whole service, and photos
piled up, charged, in ``received``.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Sequence

from .backoff import Backoff

logger = logging.getLogger("kinframe.serve")


class Supervised:
    """One child command, restarted whenever it exits until ``stop()``.

    A child that ran for ``healthy_after`` seconds counts as healthy, so the next restart is
    quick again; one that keeps dying at once waits longer each time (up to ``max_pause``).
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        first_pause: float = 1.0,
        max_pause: float = 60.0,
        healthy_after: float = 60.0,
    ):
        self.name = name
        self.command = list(command)
        self.backoff = Backoff(initial=first_pause, maximum=max_pause)
        self.healthy_after = healthy_after
        self.restarts = 0
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name=f"supervise-{name}", daemon=True)

    def start(self) -> Supervised:
        self._thread.start()
        return self

    def _spawn(self) -> subprocess.Popen:
        with self._lock:
            self.process = subprocess.Popen(self.command)  # noqa: S603 - our own command line
            return self.process

    def _watch(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            code = self._spawn().wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= self.healthy_after:
                self.backoff.reset()
            pause = self.backoff.next()
            self.restarts += 1
            logger.error(
                "The %s exited with status %s; starting it again in %.0f s (restart %d)",
                self.name, code, pause, self.restarts,
            )  # fmt: skip
            if self._stopping.wait(pause):
                return

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching and end the child: SIGTERM, then SIGKILL after ``timeout`` seconds."""
        self._stopping.set()
        with self._lock:
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._thread.join(timeout=timeout)
