"""Errors of the tool side of the Resolve host protocol.

Tree::

    ResolveHostError        root; a request the tool refuses (``hint`` says what to do)
    └── BadRequest          the request itself is malformed (missing field, wrong type, verb)

Every refusal goes back to the menu script as one line (``{"ok": false, "error", "hint"}``).
"""

from __future__ import annotations


class ResolveHostError(Exception):
    """Root of the host-protocol errors of the tool."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class BadRequest(ResolveHostError):
    """The request is not what the verb expects (the menu scripts and the tool disagree)."""
