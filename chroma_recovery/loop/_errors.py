"""Errors of the job loop (queue, watchers, publishing).

Tree::

    LoopError                root (``hint`` says what to do)
    ├── QueueError           the queue folders are missing or a job cannot be moved
    └── PublishError         a manifest's files are missing or corrupt
"""

from __future__ import annotations


class LoopError(Exception):
    """Root of the loop's errors."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class QueueError(LoopError):
    """The queue folders are missing or a job cannot be moved."""


class PublishError(LoopError):
    """A manifest's files are missing or corrupt."""
