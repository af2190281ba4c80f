"""The ``chroma-recovery`` command (typer + rich)."""

from ._app import app, main

__all__ = ["app", "main"]
