"""``write_bundle``: a validated job becomes an OpenJD job bundle folder, written all at once.

Bundle layout (Deadline Cloud's job-bundle format, also runnable with ``openjd run template.yaml``)::

    OUT_DIR/template.yaml            jobtemplate-2023-09
    OUT_DIR/parameter_values.yaml    the job parameters' values
    OUT_DIR/asset_references.yaml    job file + media folders in, <root>/pipeline out

The chunked steps write into version folders reserved here (``next_version_dir``: created exclusively,
so two bundles never share one; a ``_farm/reserved.json`` marker tells what holds them). Nothing is
written for a job that fails validation; the files go to a hidden temporary folder beside ``OUT_DIR``
which is renamed into place only after the template decodes with ``openjd.model``.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

import schemas
from schemas import SchemaModel, ShotJob

from ._errors import FarmError
from ._template import BundleSpec, asset_references, build_template, parameter_values

TEMPLATE_NAME = "template.yaml"
RESERVED_MARKER = Path("_farm") / "reserved.json"
DEFAULT_CHUNK = 12


class BundleInfo(SchemaModel):
    """What ``write_bundle`` wrote.

    Attributes:
        bundle_dir: the bundle folder (absolute).
        template: its ``template.yaml``.
        job_id: the job's id.
        frames: first and last source frame.
        infer_version_dir, matchgrade_version_dir: reserved folders, relative to the project root.
        steps: step names in template order.
    """

    bundle_dir: str
    template: str
    job_id: str
    frames: tuple[int, int]
    infer_version_dir: str
    matchgrade_version_dir: str | None
    steps: tuple[str, ...]


def load_job_checked(job_file: str | os.PathLike[str]) -> ShotJob:
    """``schemas.load_job`` with its error re-raised as a ``FarmError`` (message and hint kept)."""
    try:
        return schemas.load_job(job_file)
    except schemas.SchemaError as exc:
        raise FarmError(str(exc).splitlines()[0], hint=getattr(exc, "hint", "")) from exc


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (the embedded task scripts) as readable ``|`` literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


def _dump_yaml(path: Path, data: dict[str, Any]) -> None:
    from chroma_engine.io import write_text_atomic

    write_text_atomic(
        path, yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=200)
    )


def validate_template(template: dict[str, Any]) -> None:
    """Decode ``template`` with ``openjd.model`` (the validator ``openjd check`` uses)."""
    from openjd.model import DecodeValidationError, decode_job_template

    try:
        decode_job_template(template=template)
    except DecodeValidationError as exc:
        raise FarmError(
            f"generated job template is invalid: {str(exc).splitlines()[0]}",
            hint="this is a chroma-recovery bug; report it with the job file",
        ) from exc


def _reserve(root: Path, stage: str, shot: str, bundle_dir: Path) -> Path:
    from chroma_engine.io import next_version_dir, write_json_atomic
    from chroma_engine.layout import stage_dir

    folder = next_version_dir(stage_dir(root, stage) / shot)
    marker = {
        "reserved_by": "chroma-recovery farm bundle",
        "bundle": str(bundle_dir),
        "at": _dt.datetime.now(_dt.timezone.utc).isoformat(),
    }
    write_json_atomic(folder / RESERVED_MARKER, marker)
    return folder


def _media_dirs(job: ShotJob, root: Path) -> list[str]:
    refs = [job.media.source, job.media.reference, job.media.balanced]
    return [
        str((root / ref.path).parent) if not Path(ref.path).is_absolute() else str(Path(ref.path).parent)
        for ref in refs
        if ref is not None
    ]


def write_bundle(
    job_file: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    backend: str | None = None,
    steps: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    command: str = "chroma-recovery",
) -> BundleInfo:
    """Write the OpenJD job bundle of ``job_file`` into ``out_dir`` (which must not exist or be empty).

    Args:
        job_file: a ``ShotJob`` JSON; validated first (nothing is written when it is invalid).
        out_dir: the bundle folder to create.
        backend: default of the ``Backend`` parameter (``nuke``/``native``); None = the job's backend,
            ``auto`` becoming ``native``.
        steps: default of ``Steps``; None = ``job.training.total_steps``.
        chunk_size: default of ``ChunkSize`` (frames per Infer / MatchGrade task).
        command: default of ``ChromaRecoveryCommand``.

    Raises:
        FarmError: invalid job, missing project root, bad option, or an existing non-empty ``out_dir``.
    """
    from nuke_bridge import choose_backend

    job_path = Path(job_file).resolve()
    job = load_job_checked(job_path)
    out = Path(out_dir).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FarmError(f"{out}: already exists and is not empty", hint="choose a new bundle folder")
    if backend and backend not in ("nuke", "native"):
        raise FarmError(f"backend {backend!r} is not nuke or native", hint="pass --backend native or nuke")
    # Workers are other machines: no Nuke is looked for here (the job's ``auto`` becomes native).
    chosen = choose_backend(backend or None, job, detect=False).backend
    if chunk_size < 1:
        raise FarmError(f"chunk size must be >= 1, got {chunk_size}")
    total_steps = steps if steps is not None else job.training.total_steps
    if total_steps < 1:
        raise FarmError(f"steps must be >= 1, got {total_steps}")
    root = Path(job.project.root)
    if not root.is_dir():
        raise FarmError(
            f"{job_path}: project.root {root} does not exist on this machine",
            hint="bundle from a machine that mounts the project (versions are reserved there)",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    staging.chmod(0o755)
    reserved: list[Path] = []
    try:
        reserved.append(_reserve(root, "inference", job.shot.name, out))
        if job.matchgrade.enabled:
            reserved.append(_reserve(root, "matchgrade", job.shot.name, out))
        spec = BundleSpec(
            job=job,
            job_file=str(job_path),
            project_root=str(root),
            infer_version_dir=str(reserved[0].relative_to(root)),
            matchgrade_version_dir=str(reserved[1].relative_to(root)) if len(reserved) > 1 else None,
            backend=chosen,
            steps=int(total_steps),
            chunk_size=chunk_size,
            command=command,
        )
        template = build_template(spec)
        validate_template(template)
        _dump_yaml(staging / TEMPLATE_NAME, template)
        _dump_yaml(staging / "parameter_values.yaml", parameter_values(spec))
        _dump_yaml(staging / "asset_references.yaml", asset_references(spec, _media_dirs(job, root)))
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in reserved:
            shutil.rmtree(folder / "_farm", ignore_errors=True)
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    src = job.media.source
    return BundleInfo(
        bundle_dir=str(out),
        template=str(out / TEMPLATE_NAME),
        job_id=job.job_id,
        frames=(src.first_frame, src.last_frame),
        infer_version_dir=spec.infer_version_dir,
        matchgrade_version_dir=spec.matchgrade_version_dir,
        steps=tuple(step["name"] for step in template["steps"]),
    )
