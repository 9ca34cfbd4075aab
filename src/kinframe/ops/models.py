"""What operations keeps in the database: the task workers' heartbeats."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last sign of life from one task worker process, so `/readyz` can tell a dead queue.

    One row per worker (host and process id); `ops.heartbeat.worker_heartbeat` updates it as the
    worker runs, and rows of workers long gone are pruned by the next beat.
    """

    worker_id = models.CharField(max_length=200, unique=True)
    backend = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
