"""The root typer app: global options (--version, --quiet, --verbose); each area registers its sub-app
from its own module."""

from __future__ import annotations

import importlib
import inspect
import platform
from importlib import metadata

import typer

app = typer.Typer(
    name="chroma-recovery",
    help="Restore the colour of faded film scans from a better-coloured reference.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain help: Typer's Rich panels print a type placeholder (<bool>) after every flag, as if
    # flags took a value; the plain formatter lists flags bare and keeps <int>, <path>, ... on options.
    rich_markup_mode=None,
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

#: Distributions whose versions ``--version`` lists after the tool's own (name shown, distribution).
_ENGINE_PARTS: tuple[tuple[str, str], ...] = (
    ("torch", "torch"),
    ("OpenImageIO", "OpenImageIO"),
    ("OpenColorIO", "opencolorio"),
    ("OpenCV", "opencv-python-headless"),
    ("OpenTimelineIO", "opentimelineio"),
)


def version_text() -> str:
    """``chroma-recovery X.Y.Z`` then one line with Python's and the engine libraries' versions."""
    from chroma_recovery import __version__

    parts = [f"Python {platform.python_version()}"]
    for label, dist in _ENGINE_PARTS:
        try:
            parts.append(f"{label} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{label} not installed")
    return f"chroma-recovery {__version__}\nengine: " + ", ".join(parts)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _global_options(
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the version (and the engine libraries' versions), then exit.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Every detail (debug output)."),
) -> None:
    """Restore the colour of faded film scans from a better-coloured reference."""
    from chroma_engine.logs import PROJECT_LOGGERS, Verbosity, set_verbosity

    if quiet and verbose:
        raise typer.BadParameter("choose one of --quiet and --verbose", param_hint="--quiet/--verbose")
    level = Verbosity.QUIET if quiet else Verbosity.VERBOSE if verbose else Verbosity.NORMAL
    set_verbosity(level, loggers=PROJECT_LOGGERS)


def _first_paragraph(text: object) -> str | None:
    return inspect.cleandoc(text).split("\n\n")[0].replace("\n", " ") if isinstance(text, str) else None


def _whole_short_help(sub: typer.Typer) -> None:
    """Give each command its help's whole first paragraph as short help: the plain formatter cuts an
    implicit one to the width left in the command list ("...") but wraps an explicit one."""
    for command in sub.registered_commands:
        if command.short_help is None and command.callback is not None:
            command.short_help = _first_paragraph(command.help or inspect.getdoc(command.callback))


def _register() -> None:
    for module_name, attr, name in _SUBAPPS:
        module = importlib.import_module(module_name)
        sub = getattr(module, attr)
        _whole_short_help(sub)
        if name is None:
            for command in sub.registered_commands:
                app.registered_commands.append(command)
        else:
            app.add_typer(sub, name=name, short_help=_first_paragraph(sub.info.help))


_register()


def main() -> None:
    """Console entry point."""
    app()
