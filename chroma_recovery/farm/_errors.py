"""The farm package's one error root."""

from __future__ import annotations


class FarmError(Exception):
    """A bundle could not be written, checked or one of its tasks failed.

    Attributes:
        hint: one line telling the user what to do about it ("" when there is nothing to add).
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint
