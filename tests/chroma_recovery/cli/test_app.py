"""The root command: --version, --quiet/--verbose, and help texts that show flags as flags."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from importlib import metadata

import pytest
import typer
from typer.testing import CliRunner

from chroma_engine.logs import VERBOSITY_ENV
from chroma_recovery import __version__
from chroma_recovery.cli import app

runner = CliRunner()


def _commands(command: typer.core.TyperGroup | object, path: tuple[str, ...] = ()) -> Iterator[tuple]:
    """Every command and group below the root, as (argv path, click command)."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


ALL_COMMANDS = list(_commands(typer.main.get_command(app)))


def test_the_walk_reaches_sub_apps_and_their_commands() -> None:
    paths = {" ".join(p) for p, _ in ALL_COMMANDS}
    assert {"", "run", "demo", "watch", "farm", "farm bundle", "resolve install-scripts", "nk build"} <= paths
    assert len(paths) > 25


@pytest.mark.parametrize("path,command", ALL_COMMANDS, ids=[" ".join(p) or "root" for p, _ in ALL_COMMANDS])
def test_help_shows_flags_without_a_value_placeholder(path: tuple[str, ...], command) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert not re.search(r"<bool(ean)?>", result.output, re.IGNORECASE), result.output
    columns = {}  # option names -> the option column of its help line
    for line in result.output.splitlines():
        if line.lstrip().startswith("-"):
            column = re.split(r"\s{2,}", line.strip())[0]
            for name in re.findall(r"--?[\w-]+", column):
                columns[name] = column
    params = [p for p in command.get_params(command.context_class(command)) if p.param_type_name == "option"]
    assert params, f"{path}: no options found"
    for param in params:
        if param.hidden:
            continue
        column = columns[param.opts[0]]
        if param.is_flag:
            assert "<" not in column, f"{' '.join(path)}: flag shown with a value placeholder: {column!r}"
        else:
            assert "<" in column, f"{' '.join(path)}: option shown without its value: {column!r}"


def test_version_prints_the_package_and_engine_versions() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()[:2]
    assert first == f"chroma-recovery {__version__}"
    assert __version__ == metadata.version("chroma-recovery")
    assert second.startswith("engine: Python ") and f"torch {metadata.version('torch')}" in second


@pytest.mark.parametrize(
    "argv,expected,level",
    [
        (["--quiet"], "quiet", logging.WARNING),
        (["-v"], "verbose", logging.DEBUG),
        ([], "normal", logging.INFO),
    ],
)
def test_quiet_and_verbose_set_the_verbosity_for_the_process_tree(
    argv: list[str], expected: str, level: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VERBOSITY_ENV, "unset")
    engine_logger = logging.getLogger("chroma_engine")
    monkeypatch.setattr(engine_logger, "level", engine_logger.level)
    result = runner.invoke(app, [*argv, "schema", "--help"])
    assert result.exit_code == 0, result.output
    assert os.environ[VERBOSITY_ENV] == expected and engine_logger.level == level


def test_quiet_and_verbose_together_are_refused() -> None:
    result = runner.invoke(app, ["--quiet", "--verbose", "schema", "--help"])
    assert result.exit_code == 2 and "choose one of --quiet and --verbose" in result.output
