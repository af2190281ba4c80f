"""Checking a finished render against its manifest before anyone relies on it."""

from __future__ import annotations

import os
from pathlib import Path

from schemas import RenderManifest, SchemaError, load_manifest

from .._errors import EngineError, ManifestError
from ..io import read_image, sha256_file


def verify_manifest(path: str | os.PathLike[str], check_images: bool = True) -> RenderManifest:
    """Validate a ``_manifest.json`` and the files it lists: present, same size and sha256, and (with
    ``check_images``) every EXR opens; a render's EXR count must equal its frame count.

    Raises:
        ManifestError: naming the manifest and what is wrong (``hint`` says what to do).
    """
    manifest_path = Path(path)
    try:
        manifest = load_manifest(manifest_path)
    except SchemaError as exc:
        raise ManifestError(f"{manifest_path}: {exc}", hint="the render did not finish cleanly") from exc
    folder = manifest_path.parent
    for entry in manifest.files:
        file = folder / entry.name
        if not file.is_file():
            raise ManifestError(f"{manifest_path}: listed file {entry.name} is missing", hint="re-render")
        if file.stat().st_size != entry.size or sha256_file(file) != entry.sha256:
            raise ManifestError(
                f"{manifest_path}: {entry.name} does not match its checksum", hint="re-render"
            )
    if manifest.output is not None:
        exrs = [e for e in manifest.files if e.name.endswith(".exr")]
        if len(exrs) != manifest.frame_count:
            raise ManifestError(
                f"{manifest_path}: {len(exrs)} EXR files listed for {manifest.frame_count} frames",
                hint="re-render",
            )
        if check_images:
            for entry in exrs:
                try:
                    read_image(folder / entry.name)
                except EngineError as exc:
                    raise ManifestError(f"{manifest_path}: {exc}", hint="re-render") from exc
    return manifest
