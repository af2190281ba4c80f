"""One place that turns every package's error root into a one-line message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from rich.console import Console

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _error_roots() -> tuple[type[BaseException], ...]:
    roots: list[type[BaseException]] = []
    import schemas

    roots.append(schemas.SchemaError)
    for module, name in (
        ("chroma_engine", "EngineError"),
        ("nuke_bridge", "NukeBridgeError"),
        ("resolve_bridge", "BridgeError"),
        ("chroma_recovery.loop", "LoopError"),
        ("chroma_recovery.farm", "FarmError"),
        ("chroma_recovery.resolve_host", "ResolveHostError"),
    ):
        try:
            mod = __import__(module, fromlist=[name])
            roots.append(getattr(mod, name))
        except (ImportError, AttributeError):
            continue
    return tuple(roots)


def report(exc: BaseException) -> None:
    """Print ``error: message`` and, if the error carries one, ``hint: ...``."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    err_console.print(f"[bold red]error:[/] {message}", markup=True)
    hint = getattr(exc, "hint", "")
    if hint:
        err_console.print(f"[yellow]hint:[/] {hint}", markup=True)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator for commands: project errors become one line on stderr and exit status 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except _error_roots() as exc:
            report(exc)
            sys.exit(2)

    return wrapper
