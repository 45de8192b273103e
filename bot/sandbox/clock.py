"""A clock the tests can move: real time plus an offset, or frozen."""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock seconds since the epoch, shiftable with `advance` and fixable with `freeze`."""

    def __init__(self, *, frozen_at: float | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at = frozen_at

    def now(self) -> float:
        """Return the current sandbox time."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative value)."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def freeze(self, at: float | None = None) -> None:
        """Stop the clock at `at` (default: now)."""
        current = self.now()
        with self._lock:
            self._frozen_at = current if at is None else at

    def unfreeze(self) -> None:
        """Let the clock run again from where it was frozen."""
        current = self.now()
        with self._lock:
            self._frozen_at = None
            self._offset = current - time.time()
