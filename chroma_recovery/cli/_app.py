"""The root typer app; each area registers its sub-app from its own module."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="chroma-recovery",
    help="Restore the colour of faded film scans from a better-coloured reference.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: (module, attribute, sub-command name or None to merge commands at the top level)
_SUBAPPS: tuple[tuple[str, str, str | None], ...] = (
    ("chroma_recovery.cli._schema_cmds", "schema_app", "schema"),
    ("chroma_recovery.cli._schema_cmds", "job_app", "job"),
    ("chroma_recovery.cli._project_cmds", "app", None),
    ("chroma_recovery.cli._engine_cmds", "app", None),
    ("chroma_recovery.cli._loop_cmds", "app", None),
    ("chroma_recovery.cli._bench_cmds", "bench_app", "bench"),
    ("chroma_recovery.cli._resolve_cmds", "resolve_app", "resolve"),
    ("chroma_recovery.cli._nk_cmds", "nk_app", "nk"),
    ("chroma_recovery.cli._synth_cmds", "app", None),
    ("chroma_recovery.cli._farm_cmds", "farm_app", "farm"),
    ("chroma_recovery.cli._conform_cmds", "app", None),
)


def _register() -> None:
    for module_name, attr, name in _SUBAPPS:
        module = importlib.import_module(module_name)
        sub = getattr(module, attr)
        if name is None:
            for command in sub.registered_commands:
                app.registered_commands.append(command)
        else:
            app.add_typer(sub, name=name)


_register()


def main() -> None:
    """Console entry point."""
    app()
