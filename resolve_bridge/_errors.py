"""Errors of the ``resolve_bridge`` package.

Tree::

    BridgeError                 root; every error this package raises carries ``hint``
    ├── ResolveCallFailed       a Resolve API call answered None/False/""/[] (Resolve never raises)
    ├── HostUnavailableError    no Resolve could be reached (menu globals, app, DaVinciResolveScript)
    ├── ToolError               the chroma-recovery tool refused a request or could not be run
    └── FrameMathError          bad timecode, frame rate or frame range given to ``_frames``

Resolve reports failure silently (``resolve_api.md`` pitfall 1), so every checked call converts a
silent ``None``/``False`` into :class:`ResolveCallFailed` naming the call and its arguments.
"""

from __future__ import annotations

from collections.abc import Sequence


class BridgeError(Exception):
    """Root of the bridge errors.

    Attributes:
        hint: one line telling the colourist what to do about it ("" when there is nothing to add).
    """

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ResolveCallFailed(BridgeError):
    """A Resolve call failed silently (returned ``None``, ``False``, ``""`` or an empty list).

    Attributes:
        call: the call as written, e.g. ``"MediaPool.ImportMedia"``.
        args: the positional arguments it received.
        result: what Resolve answered.
    """

    def __init__(
        self,
        call: str,
        args: Sequence[object] = (),
        result: object = None,
        hint: str = "",
    ) -> None:
        self.call = call
        self.args_used = tuple(args)
        self.result = result
        shown = ", ".join(_short(a) for a in self.args_used)
        super().__init__(
            f"Resolve call {call}({shown}) failed: it returned {_short(result)}",
            hint=hint or "check Resolve's console; the API reports errors only as None/False",
        )


class HostUnavailableError(BridgeError):
    """No DaVinci Resolve could be reached.

    Attributes:
        tried: one description per method tried, in order.
    """

    def __init__(self, tried: Sequence[str], hint: str = "") -> None:
        self.tried = tuple(tried)
        super().__init__(
            "DaVinci Resolve is not reachable (tried: " + "; ".join(self.tried) + ")",
            hint=hint
            or "run from Workspace > Scripts inside Resolve, or enable external scripting "
            "(Studio only) and set RESOLVE_SCRIPT_API",
        )


class ToolError(BridgeError):
    """The ``chroma-recovery`` tool refused a request, or could not be run at all.

    The message is the tool's own one-line error (``job sh010_... is invalid: ...``), or says why
    no answer came (executable missing, timed out, no reply).

    Attributes:
        verb: the host-protocol verb that was asked (``"write-job"``...).
    """

    def __init__(self, verb: str, message: str, hint: str = "") -> None:
        self.verb = verb
        super().__init__(message, hint=hint)


class FrameMathError(BridgeError, ValueError):
    """A timecode, frame rate or frame range was invalid."""
