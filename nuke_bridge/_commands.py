"""Nuke command lines (argv lists, never shell strings) and the render / train entry points.

Three call forms (Foundry's command-line flags; see ``/work/shared/reference/nuke_nk.md`` §4):

* render every Write: ``Nuke15.1 --nukex -x -F 1001-1100 [--gpu] [-m N] -V 2 script.nk``
* execute named nodes: ``Nuke15.1 --nukex -X CopyCat1 -F 1 [--gpu] [-m N] -V 2 script.nk``
* terminal mode with a generated wrapper (the default, see ``_wrapper``):
  ``Nuke15.1 --nukex [--gpu] [-m N] -V 2 -t script.render.wrapper.py``

Flags come before ``-x``/``-t`` arguments because everything after ``-t file`` goes to the Python script.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import Field

from schemas import SchemaModel

from ._errors import NukeBridgeError
from ._locate import NukeInstall
from ._runner import EventCallback, NukeRunResult, next_free_path, run_nuke
from ._wrapper import ExecuteStep, PressStep, SetKnobStep, WrapperSpec, write_wrapper


class RunOptions(SchemaModel):
    """How to start Nuke.

    Attributes:
        gpu: pass ``--gpu`` (GPU for CopyCat / Inference).
        threads: ``-m N`` render threads; None = Nuke's default.
        verbosity: ``-V`` level (2 prints per-frame lines).
        timeout_s: wall-clock limit per Nuke run; None = none.
        use_wrapper: run through a generated ``-t`` wrapper (reliable exit status, output checks);
            False uses the bare ``-x`` / ``-X`` forms and checks the outputs from here.
        extra_env: variables added to this process's environment for Nuke (e.g.
            ``FN_NUKE_DISABLE_GPU_ACCELERATION=1``).
    """

    gpu: bool = False
    threads: int | None = Field(default=None, ge=1)
    verbosity: int = Field(default=2, ge=0, le=2)
    timeout_s: float | None = Field(default=None, gt=0)
    use_wrapper: bool = True
    extra_env: dict[str, str] = Field(default_factory=dict)


def frame_arg(first: int, last: int) -> str:
    """The ``-F`` value: ``1001-1100``, or ``1`` for a single frame."""
    if last < first:
        raise NukeBridgeError(f"frame range {first}-{last} is reversed", hint="first must be <= last")
    return str(first) if first == last else f"{first}-{last}"


def _gpu_threads(options: RunOptions) -> list[str]:
    flags = ["--gpu"] if options.gpu else []
    if options.threads is not None:
        flags += ["-m", str(options.threads)]
    return flags


def render_command(
    install: NukeInstall, script: str | os.PathLike[str], first: int, last: int, options: RunOptions
) -> list[str]:
    """``nuke --nukex -x -F a-b [--gpu] [-m N] -V 2 script.nk``: render every enabled Write."""
    return [
        install.executable,
        *install.licence_flags,
        "-x",
        "-F",
        frame_arg(first, last),
        *_gpu_threads(options),
        "-V",
        str(options.verbosity),
        str(script),
    ]


def execute_command(
    install: NukeInstall,
    script: str | os.PathLike[str],
    nodes: Sequence[str],
    first: int,
    last: int,
    options: RunOptions,
) -> list[str]:
    """``nuke --nukex -X CopyCat1 -F 1 [--gpu] [-m N] -V 2 script.nk``: execute only the named nodes."""
    if not nodes:
        raise NukeBridgeError("execute_command needs at least one node name", hint="e.g. CopyCat1")
    return [
        install.executable,
        *install.licence_flags,
        "-X",
        ",".join(nodes),
        "-F",
        frame_arg(first, last),
        *_gpu_threads(options),
        "-V",
        str(options.verbosity),
        str(script),
    ]


def terminal_command(
    install: NukeInstall, wrapper: str | os.PathLike[str], options: RunOptions, args: Sequence[str] = ()
) -> list[str]:
    """``nuke --nukex [--gpu] [-m N] -V 2 -t wrapper.py [args]``: run a Python script inside Nuke."""
    return [
        install.executable,
        *install.licence_flags,
        *_gpu_threads(options),
        "-V",
        str(options.verbosity),
        "-t",
        str(wrapper),
        *args,
    ]


def _environment(options: RunOptions) -> Mapping[str, str]:
    return {**os.environ, **options.extra_env}


def run_script(
    install: NukeInstall,
    script: str | os.PathLike[str],
    *,
    action: str,
    steps: Sequence[ExecuteStep | PressStep | SetKnobStep],
    expected: Sequence[str | os.PathLike[str]] = (),
    cat_dir: str | os.PathLike[str] | None = None,
    direct_command: Sequence[str] | None = None,
    options: RunOptions | None = None,
    on_event: EventCallback | None = None,
) -> NukeRunResult:
    """Run ``steps`` on ``script``; log (and wrapper) go next to the script as ``<stem>.<action>.log``.

    With ``options.use_wrapper`` (default) a wrapper ``<stem>.<action>.wrapper.py`` is written and run
    with ``-t``; otherwise ``direct_command`` is run. Earlier logs are kept (``.2.log``, ``.3.log``...).

    Raises:
        NukeRenderError / NukeTimeoutError: see ``run_nuke``.
        NukeBridgeError: the script does not exist, or a bare command was asked for steps it cannot do.
    """
    options = options or RunOptions()
    path = Path(script).absolute()
    if not path.is_file():
        raise NukeBridgeError(
            f"{path}: Nuke script not found", hint="build it first (chroma-recovery nk build)"
        )
    log = next_free_path(path.parent, f"{path.stem}.{action}", ".log")
    if options.use_wrapper or direct_command is None:
        if not options.use_wrapper:
            raise NukeBridgeError(
                f"{action}: these steps need the -t wrapper", hint="leave RunOptions.use_wrapper on"
            )
        wrapper = log.with_name(log.name[: -len(".log")] + ".wrapper.py")
        spec = WrapperSpec(
            script=str(path),
            steps=tuple(steps),
            expected=tuple(str(Path(p).absolute()) for p in expected),
            cat_dir=None if cat_dir is None else str(Path(cat_dir).absolute()),
        )
        write_wrapper(spec, wrapper)
        command = terminal_command(install, wrapper, options)
    else:
        command = list(direct_command)
    return run_nuke(
        command,
        log_path=log,
        timeout_s=options.timeout_s,
        on_event=on_event,
        env=_environment(options),
        cwd=path.parent,
        expected_outputs=expected,
        cat_dir=cat_dir,
    )


def render_script(
    install: NukeInstall,
    script: str | os.PathLike[str],
    *,
    first: int,
    last: int,
    nodes: Sequence[str] = (),
    expected: Sequence[str | os.PathLike[str]] = (),
    before: Sequence[PressStep | SetKnobStep] = (),
    options: RunOptions | None = None,
    on_event: EventCallback | None = None,
) -> NukeRunResult:
    """Render ``script`` over ``first``-``last``: the named nodes, or every enabled Write by render order.

    Args:
        before: knob settings / button presses run first (wrapper only), e.g. set an Inference
            ``modelFile`` or press MatchGrade's ``analyzeRefFrames``.
        expected: the files the render must produce (checked inside Nuke and again here).
    """
    options = options or RunOptions()
    frame_arg(first, last)
    step = ExecuteStep(nodes=tuple(nodes), first=first, last=last, per_frame=True)
    if nodes:
        direct = execute_command(install, script, nodes, first, last, options)
    else:
        direct = render_command(install, script, first, last, options)
    return run_script(
        install,
        script,
        action="render",
        steps=(*before, step),
        expected=expected,
        direct_command=None if before else direct,
        options=options,
        on_event=on_event,
    )


def train_script(
    install: NukeInstall,
    script: str | os.PathLike[str],
    *,
    data_directory: str | os.PathLike[str],
    node: str = "CopyCat1",
    frame: int = 1,
    options: RunOptions | None = None,
    on_event: EventCallback | None = None,
) -> NukeRunResult:
    """Train a CopyCat node (execute it over one frame, as its Start Training button does).

    Returns the run with ``cat_file`` = the newest ``.cat`` written to ``data_directory`` during the run.

    Raises:
        NukeBridgeError: the edition has no CopyCat (plain Nuke).
        NukeRenderError: training failed or wrote no ``.cat``.
    """
    if not install.has_nukex_features:
        raise NukeBridgeError(
            "CopyCat training needs NukeX, Nuke Studio or Non-Commercial; this Nuke runs as plain Nuke",
            hint="set CHROMA_RECOVERY_NUKE_EDITION=nukex (needs a NukeX licence) or use --backend native",
        )
    options = options or RunOptions()
    step = ExecuteStep(nodes=(node,), first=frame, last=frame, per_frame=False)
    return run_script(
        install,
        script,
        action="train",
        steps=(step,),
        cat_dir=data_directory,
        direct_command=execute_command(install, script, (node,), frame, frame, options),
        options=options,
        on_event=on_event,
    )
