"""Pauses that double after each failure and start again after a success."""

from __future__ import annotations


class Backoff:
    """``next()`` gives the pause before the next try: initial, twice that, ... up to ``maximum``."""

    def __init__(self, *, initial: float = 0.5, maximum: float = 30.0):
        self.initial = initial
        self.maximum = maximum
        self.failures = 0

    def next(self) -> float:
        pause = min(self.initial * 2**self.failures, self.maximum)
        self.failures += 1
        return pause

    def reset(self) -> None:
        self.failures = 0
