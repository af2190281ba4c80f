"""Shared simulator state: the call log, unique ids, fault injection and the API-method decorator.

Every simulated object holds the one :class:`SimState` of its ``Resolve``. Each public API method
is wrapped by :func:`api`, which appends ``("Class.Method", args)`` to ``SimState.calls`` before the
method runs, and answers an injected fault instead when one is armed (see :meth:`SimState.fail`).

Real Resolve objects answer *any* attribute: ``hasattr()`` is always True and an unknown method
returns ``None`` (``resolve_api.md`` §1.1, pitfall 5). :class:`SimObject` models that: an unknown
CamelCase name is a callable that records ``("Class.Name", args)`` in ``SimState.unknown_calls``
and returns ``None``. Tests can assert ``sim.unknown_calls == []`` to catch typos.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_NO_FAULT = object()


@dataclass
class _Fault:
    result: Any
    remaining: int


@dataclass
class SimState:
    """State shared by every object of one simulated Resolve session.

    Attributes:
        edition: ``"studio"`` or ``"free"``.
        version: ``[major, minor, patch, build, suffix]`` as ``Resolve.GetVersion()`` answers.
        calls: every API call in order, as ``("Class.Method", args)``; keyword arguments are
            appended to ``args`` as one dict.
        unknown_calls: calls of methods the simulator does not know (real Resolve answers None).
        page: the current page (``"media"``, ``"cut"``, ``"edit"``, ``"fusion"``, ``"color"``,
            ``"fairlight"``, ``"deliver"``).
        render_polls: how many ``IsRenderingInProgress()`` calls answer True after ``StartRendering``.
    """

    edition: str = "studio"
    version: tuple[int, int, int, int, str] = (20, 3, 2, 9, "")
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    unknown_calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    page: str = "edit"
    render_polls: int = 1
    _faults: dict[str, _Fault] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_id(self, kind: str) -> str:
        """A unique id shaped like Resolve's (hex groups), prefixed by kind for readable tests."""
        number = next(self._ids)
        return f"{kind[:4].lower()}-{number:08x}-0000-4000-8000-{number:012x}"

    def fail(self, call: str, result: Any = None, times: int = 1) -> None:
        """Make the next ``times`` calls of ``call`` (``"Class.Method"``) answer ``result`` unexecuted.

        Models Resolve's silent failures (a modal dialog open, a busy database, pitfall 1/6).
        """
        self._faults[call] = _Fault(result, times)

    def take_fault(self, call: str) -> Any:
        fault = self._faults.get(call)
        if fault is None:
            return _NO_FAULT
        fault.remaining -= 1
        if fault.remaining <= 0:
            del self._faults[call]
        return fault.result

    def calls_to(self, call: str) -> list[tuple[Any, ...]]:
        """Arguments of every recorded call of ``"Class.Method"``."""
        return [args for name, args in self.calls if name == call]

    @property
    def is_studio(self) -> bool:
        return self.edition == "studio"


def api(method: F) -> F:
    """Mark a method as part of the simulated API: record the call, honour injected faults."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: SimObject, *args: Any, **kwargs: Any) -> Any:
        full = f"{type(self).__name__}.{name}"
        self._sim.calls.append((full, args + ((dict(kwargs),) if kwargs else ())))
        fault = self._sim.take_fault(full)
        if fault is not _NO_FAULT:
            return fault
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class SimObject:
    """Base of every simulated Resolve object (see the module docstring for unknown attributes)."""

    _sim: SimState

    def __init__(self, sim: SimState) -> None:
        self._sim = sim

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not name[:1].isupper():
            raise AttributeError(name)
        full = f"{type(self).__name__}.{name}"
        sim = self._sim

        def unknown(*args: Any, **kwargs: Any) -> None:
            entry = (full, args + ((dict(kwargs),) if kwargs else ()))
            sim.calls.append(entry)
            sim.unknown_calls.append(entry)
            return None

        return unknown
