"""Turn a TorchScript model from the native engine (``.pt``) into a Nuke ``.cat`` with CatFileCreator.

Nuke's Inference node only loads ``.cat`` files, and the ``.cat`` format is proprietary: the one way to
make one is Nuke's CatFileCreator node (0 inputs; knobs ``torchScriptFile``, ``catFile``, ``channelsIn``,
``channelsOut``, ``modelId``, ``outputScale``; button ``createCatFile``). This module writes a one-node
``.nk`` next to the target ``.cat`` and runs it through a ``-t`` wrapper that presses the button, then
checks the ``.cat`` exists. Whether ``createCatFile`` works headless is unconfirmed on a real Nuke [U].

Foundry's model contract (".cat file creation reference guide"), checked here before Nuke starts:
``forward`` takes one ``1 x C_in x H x W`` tensor and returns ``1 x C_out x sH x sW``, compiled with
``torch.jit.script``. Nuke 13 ships torch 1.6, 14 ships 1.12.1: a model saved by a much newer torch may
not load there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from ._commands import RunOptions, run_script
from ._errors import NukeBridgeError
from ._graph import Graph, Node
from ._locate import NukeInstall
from ._runner import EventCallback, NukeRunResult, next_free_path
from ._wrapper import PressStep
from ._writer import write_nk

RGB_CHANNELS = ("rgba.red", "rgba.green", "rgba.blue")
NODE_NAME = "CatFileCreator1"


class CatFileError(NukeBridgeError):
    """The TorchScript model or the target ``.cat`` path is unusable."""


def model_id_for(torchscript: str | os.PathLike[str]) -> str:
    """A ``modelId`` from the file name: letters, digits and ``_`` only (``sh010 v2.pt`` -> ``sh010_v2``)."""
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", Path(torchscript).stem).strip("_")
    return stem or "chroma_model"


def build_catfile_graph(
    torchscript: str | os.PathLike[str],
    cat_file: str | os.PathLike[str],
    *,
    model_id: str | None = None,
    channels_in: Sequence[str] = RGB_CHANNELS,
    channels_out: Sequence[str] = RGB_CHANNELS,
    output_scale: int = 1,
) -> Graph:
    """The one-node graph: a ``CatFileCreator`` with absolute paths and ``rgba.red, ...`` channel lists."""
    if output_scale < 1:
        raise CatFileError(f"outputScale must be >= 1, got {output_scale}", hint="1 for a colour model")
    graph = Graph(root=Node("Root", "Root", {"first_frame": 1, "last_frame": 1, "lock_range": True}))
    graph.add(
        "CatFileCreator",
        {
            "torchScriptFile": str(Path(torchscript).absolute()),
            "catFile": str(Path(cat_file).absolute()),
            "channelsIn": ", ".join(channels_in),
            "channelsOut": ", ".join(channels_out),
            "modelId": model_id or model_id_for(torchscript),
            "outputScale": output_scale,
        },
        name=NODE_NAME,
    )
    return graph


def check_torchscript(path: str | os.PathLike[str], channels_in: int = 3, channels_out: int = 3) -> int:
    """Load the model with ``torch.jit.load`` and run a ``1 x C x 16 x 16`` zero tensor through it.

    Returns:
        The output scale (output height / input height).

    Raises:
        CatFileError: not loadable as TorchScript, or the output shape breaks Foundry's contract.
    """
    import torch

    try:
        model = torch.jit.load(str(path), map_location="cpu")
    except (RuntimeError, ValueError, OSError) as exc:
        raise CatFileError(
            f"{path}: not a TorchScript model ({str(exc).splitlines()[0]})",
            hint="export the model with torch.jit.script(model).save(path)",
        ) from exc
    model.eval()
    probe = torch.zeros(1, channels_in, 16, 16)
    try:
        with torch.no_grad():
            out = model(probe)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise CatFileError(
            f"{path}: forward(1x{channels_in}x16x16) failed ({str(exc).splitlines()[0]})",
            hint="forward(x) must take one 1 x C x H x W tensor",
        ) from exc
    if (
        not isinstance(out, torch.Tensor)
        or out.dim() != 4
        or out.shape[0] != 1
        or out.shape[1] != channels_out
    ):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise CatFileError(
            f"{path}: forward returned {shape}, Nuke needs 1 x {channels_out} x sH x sW",
            hint="return one tensor; concatenate several outputs as channels",
        )
    scale, rest = divmod(int(out.shape[2]), 16)
    if rest or scale < 1 or out.shape[3] != 16 * scale:
        raise CatFileError(f"{path}: output {tuple(out.shape)} is not an integer scale of 16x16")
    return scale


def write_catfile_script(graph: Graph, cat_file: str | os.PathLike[str], version: str | None = None) -> Path:
    """Write ``<cat stem>_catfile.nk`` next to the ``.cat`` (``.2.nk`` ... if taken), atomically."""
    target = Path(cat_file).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    script = next_free_path(target.parent, f"{target.stem}_catfile", ".nk")
    from chroma_engine.io import write_text_atomic

    return write_text_atomic(script, write_nk(graph, version))


def create_cat_file(
    install: NukeInstall,
    torchscript: str | os.PathLike[str],
    cat_file: str | os.PathLike[str],
    *,
    model_id: str | None = None,
    check_model: bool = True,
    nuke_version: str | None = None,
    options: RunOptions | None = None,
    on_event: EventCallback | None = None,
) -> NukeRunResult:
    """Make ``cat_file`` from a TorchScript ``.pt`` by pressing CatFileCreator's button inside Nuke.

    Args:
        install: the Nuke to run (NukeX features needed).
        torchscript: the engine's TorchScript export (``.pt``).
        cat_file: the ``.cat`` to create; must not exist yet (earlier models are never overwritten).
        model_id: CatFileCreator ``modelId`` (default: from the ``.pt`` name).
        check_model: load and probe the model with torch first (catches contract errors in seconds
            instead of after Nuke starts).
        nuke_version: ``version`` line of the written script (default the writer's).

    Returns:
        The run; ``outputs`` holds the ``.cat`` path.

    Raises:
        CatFileError: bad paths or model. NukeRenderError: Nuke failed or wrote no ``.cat``.
    """
    source = Path(torchscript).absolute()
    target = Path(cat_file).absolute()
    if not source.is_file():
        raise CatFileError(
            f"{source}: TorchScript model not found", hint="train with the native engine first"
        )
    if source.suffix.lower() not in {".pt", ".pth", ".torchscript"}:
        raise CatFileError(f"{source}: expected a TorchScript .pt file", hint="save with torch.jit.save")
    if target.suffix.lower() != ".cat":
        raise CatFileError(
            f"{target}: the output must end in .cat", hint=f"e.g. {target.with_suffix('.cat')}"
        )
    if target.exists():
        raise CatFileError(
            f"{target}: already exists; earlier models are never overwritten", hint="pick a new name"
        )
    if not install.has_nukex_features:
        raise CatFileError(
            "CatFileCreator needs NukeX (or Studio / Non-Commercial); this Nuke runs as plain Nuke",
            hint="set CHROMA_RECOVERY_NUKE_EDITION=nukex",
        )
    scale = check_torchscript(source) if check_model else 1
    graph = build_catfile_graph(source, target, model_id=model_id, output_scale=scale)
    script = write_catfile_script(graph, target, nuke_version)
    options = (options or RunOptions()).model_copy(update={"use_wrapper": True})
    return run_script(
        install,
        script,
        action="catfile",
        steps=(PressStep(node=NODE_NAME, knob="createCatFile"),),
        expected=(target,),
        options=options,
        on_event=on_event,
    )
