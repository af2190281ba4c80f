"""Errors of the conform package (reels, matching, versions and approval).

Tree::

    LoopError (chroma_recovery.loop)   root of the loop; ``hint`` says what to do
    └── ConformError                   a reel cannot be read, a version cannot be approved...

The CLI's ``handle_errors`` already knows ``LoopError``, so every ``ConformError`` becomes one
line plus its hint.
"""

from __future__ import annotations

from chroma_recovery.loop._errors import LoopError


class ConformError(LoopError):
    """A reel could not be read or conformed, or a version could not be selected or approved."""
