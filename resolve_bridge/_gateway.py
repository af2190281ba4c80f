"""Checked calls into the Resolve API: one place that turns silent failure into an exception.

Resolve never raises: a failed call answers ``None``, ``False``, ``""``, ``[]`` or ``{}``
(``resolve_api.md`` pitfall 1). :func:`call` checks every answer and raises
:class:`~resolve_bridge._errors.ResolveCallFailed` naming the call and its arguments, so a bad
project state stops the script at the call that caused it instead of three calls later.
Capability probes use ``name in dir(obj)``, never ``hasattr`` (always True on Resolve objects,
pitfall 5).
"""

from __future__ import annotations

from typing import Any

from ._errors import ResolveCallFailed


def has_method(obj: object, name: str) -> bool:
    """Whether ``obj`` offers ``name`` (``dir()`` probe; ``hasattr`` lies on Resolve objects)."""
    if obj is None:
        return False
    try:
        return name in dir(obj)
    except Exception:  # noqa: BLE001 - a remote proxy may fail to list itself
        return False


def is_failure(result: object) -> bool:
    """Whether a Resolve answer means failure: ``None``, ``False`` or an empty str/list/dict.

    ``0`` is a valid answer (a count or a frame), so only the identity ``False`` counts.
    """
    if result is None or result is False:
        return True
    return isinstance(result, (str, list, tuple, dict)) and len(result) == 0


def _label(obj: object, method: str, label: str | None) -> str:
    return f"{label or type(obj).__name__}.{method}"


def call(obj: Any, method: str, *args: Any, label: str | None = None, hint: str = "") -> Any:
    """Call ``obj.method(*args)`` and return the answer, raising on silent failure.

    Args:
        obj: a Resolve object (or the simulator's).
        method: the CamelCase method name, e.g. ``"ImportMedia"``.
        *args: positional arguments passed through unchanged.
        label: how to name the object in the error (default: its class name), e.g. ``"MediaPool"``.
        hint: what the colourist should do if the call fails.

    Raises:
        ResolveCallFailed: the method is missing or answered ``None``/``False``/empty.
    """
    name = _label(obj, method, label)
    if not has_method(obj, method):
        raise ResolveCallFailed(name, args, "no such method", hint=hint or "this Resolve version lacks it")
    result = getattr(obj, method)(*args)
    if is_failure(result):
        raise ResolveCallFailed(name, args, result, hint=hint)
    return result


def query(obj: Any, method: str, *args: Any) -> Any:
    """Call a getter whose ``None``/empty answer is a legitimate "nothing there" (no raise).

    Used for ``GetCurrentTimeline``, ``GetCurrentVideoItem``, ``GetSubFolderList`` and the like,
    where the caller turns an empty answer into its own, more specific message.
    """
    if not has_method(obj, method):
        return None
    return getattr(obj, method)(*args)
