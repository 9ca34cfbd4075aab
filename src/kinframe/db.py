"""Database connections in long-running processes (the task worker), which are not requests.

Django closes a request's connection when the request ends (with ``DB_CONN_MAX_AGE=0``, always).
A worker calling ``close_old_connections`` between tasks would do the same and reconnect for every
task, which on SQLite also checkpoints the WAL on each close: 13 ms a photo in bench/workers.py.
A worker keeps its connection and closes it only once it is broken.
"""

from __future__ import annotations

from django.db import connections


def close_broken_connections() -> None:
    """Close connections that saw an error and no longer answer; keep the healthy ones open.

    Never inside a transaction: the caller must be between units of work.
    """
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block or not conn.errors_occurred:
            continue
        if conn.is_usable():
            conn.errors_occurred = False
        else:
            conn.close()
