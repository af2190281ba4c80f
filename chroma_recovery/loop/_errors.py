"""Errors of the job loop (queue, watchers, publishing).

Tree::

    LoopError                root (``hint`` says what to do)
    └── QueueError           the queue folders are missing, a job cannot be moved, a bad option
        └── ClaimLost        a worker's claim went stale and was taken back: it publishes nothing

A finished render whose manifest does not verify is ``chroma_engine.ManifestError``.
"""

from __future__ import annotations


class LoopError(Exception):
    """Root of the loop's errors."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class QueueError(LoopError):
    """The queue folders are missing or a job cannot be moved."""


class ClaimLost(QueueError):
    """This worker's claim went stale and its job was taken back; its result is not published."""
