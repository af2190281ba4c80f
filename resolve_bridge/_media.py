"""Media Pool helpers: bins by path, image-sequence import (dict form), dedupe by file path.

Imports land in the *current* folder (``resolve_api.md`` §3), so every import sets it first.
Image sequences always use ``{"FilePath": ".../name_%04d.exr", "StartIndex": a, "EndIndex": b}``
(pitfall 3). Resolve dedupes by path and so do we: an existing clip whose ``File Path`` names the
same sequence is reused, never imported twice (matching on ``GetName()`` is unreliable).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from ._errors import BridgeError
from ._gateway import call, query
from ._sequence import FrameSequence

_BRACKET = re.compile(r"\[(\d+)-(\d+)\]")
_PRINTF = re.compile(r"%0?(\d*)d")
_HASHES = re.compile(r"#+")
IMAGE_EXTENSIONS = frozenset({".exr", ".dpx", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".cin", ".tga"})


def sub_folder(folder: Any, name: str) -> Any | None:
    """The direct sub-folder of ``folder`` called ``name``, or None."""
    for child in query(folder, "GetSubFolderList") or []:
        if child.GetName() == name:
            return child
    return None


def ensure_bin(media_pool: Any, path: Sequence[str]) -> Any:
    """Find or create the bin ``path`` (e.g. ``["ML", "sh010", "v002"]``) under the root folder.

    Idempotent: existing folders are reused, so running Setup twice never duplicates bins.
    """
    folder = call(media_pool, "GetRootFolder", label="MediaPool")
    for name in path:
        found = sub_folder(folder, name)
        if found is None:
            found = call(media_pool, "AddSubFolder", folder, name, label="MediaPool")
        folder = found
    return folder


def missing_frames(seq: FrameSequence, frames: range | None = None) -> list[str]:
    """Paths of the frames of ``seq`` (or of ``frames``) that are not on disk."""
    wanted = frames if frames is not None else seq.frames
    return [seq.frame_path(f) for f in wanted if not os.path.isfile(seq.frame_path(f))]


def require_frames(seq: FrameSequence, what: str, frames: range | None = None) -> None:
    """Raise a clear "media offline" error when any frame of ``seq`` is missing on disk."""
    missing = missing_frames(seq, frames)
    if missing:
        raise BridgeError(
            f"{what}: media offline, {len(missing)} frame(s) missing, first {missing[0]}",
            hint="reconnect or re-export the sequence, then run the script again",
        )


def _normalise(path: str) -> str:
    return os.path.normcase(os.path.normpath(path))


def clip_sequence_key(clip: Any) -> tuple[str, str, str] | None:
    """(folder, prefix, suffix) of a clip's file sequence from its ``File Path``/``File Name``.

    Resolve shows a sequence as ``plate.[1001-1240].exr``; a printf/hash pattern or a single
    numbered file reduces to the same key, so any spelling of one sequence compares equal.
    """
    props = query(clip, "GetClipProperty") or {}
    file_path = str(props.get("File Path") or "")
    if not file_path:
        return None
    folder, name = os.path.split(file_path)
    file_name = str(props.get("File Name") or name)
    for text in (name, file_name):
        for regex in (_BRACKET, _PRINTF, _HASHES):
            match = regex.search(text)
            if match:
                return _normalise(folder), text[: match.start()], text[match.end() :]
    digits = re.search(r"(\d+)(\.[^.]+)$", name)
    if digits:
        return _normalise(folder), name[: digits.start(1)], digits.group(2)
    return _normalise(folder), name, ""


def sequence_key(seq: FrameSequence) -> tuple[str, str, str]:
    """(folder, prefix, suffix) of a FrameSequence, comparable with :func:`clip_sequence_key`."""
    pattern = seq.printf_pattern()
    folder, name = os.path.split(pattern)
    match = _PRINTF.search(name)
    assert match is not None  # FrameSequence holds one frame token
    return _normalise(folder), name[: match.start()], name[match.end() :]


def find_clip(folder: Any, seq: FrameSequence) -> Any | None:
    """The clip in ``folder`` showing the file sequence ``seq`` (matched on file path), or None."""
    key = sequence_key(seq)
    for clip in query(folder, "GetClipList") or []:
        if clip_sequence_key(clip) == key:
            return clip
    return None


def import_sequence(media_pool: Any, folder: Any, seq: FrameSequence, what: str) -> Any:
    """Import ``seq`` (absolute path) as ONE clip into ``folder``, or return the clip already there.

    Raises:
        BridgeError: frames missing on disk (named), or Resolve refused the import.
    """
    existing = find_clip(folder, seq)
    if existing is not None:
        return existing
    require_frames(seq, what)
    call(media_pool, "SetCurrentFolder", folder, label="MediaPool")
    info = {"FilePath": seq.printf_pattern(), "StartIndex": seq.first_frame, "EndIndex": seq.last_frame}
    clips = call(
        media_pool,
        "ImportMedia",
        [info],
        label="MediaPool",
        hint=f"{what}: Resolve could not import {seq.printf_pattern()}",
    )
    return clips[0]


def clip_frames(clip: Any) -> tuple[int, int]:
    """Inclusive (Start, End) file frame numbers of a sequence clip (``GetClipProperty`` strings)."""
    props = query(clip, "GetClipProperty") or {}
    try:
        return int(str(props["Start"])), int(str(props["End"]))
    except (KeyError, ValueError) as exc:
        raise BridgeError(
            f"clip {query(clip, 'GetName')!r} has no Start/End frame properties",
            hint="only image sequences imported as one clip are supported",
        ) from exc


def clip_as_sequence(clip: Any, what: str) -> FrameSequence:
    """Rebuild a FrameSequence (absolute printf path, inclusive frames) from a Media Pool clip.

    Raises:
        BridgeError: the clip is not an image sequence (a movie, a still, a title).
    """
    props = query(clip, "GetClipProperty") or {}
    key = clip_sequence_key(clip)
    if key is None:
        raise BridgeError(f"{what}: the clip has no file path", hint="use an image-sequence clip")
    folder, prefix, suffix = key
    first, last = clip_frames(clip)
    is_still = str(props.get("Type") or "") == "Still"
    extension = "." + suffix.rsplit(".", 1)[-1].lower() if "." in suffix else ""
    if is_still or extension not in IMAGE_EXTENSIONS:
        raise BridgeError(
            f"{what}: {props.get('File Name') or props.get('File Path')} is not an image sequence",
            hint="Send Shot to ML works on EXR/DPX/TIFF sequences, not movie files",
        )
    base = os.path.dirname(str(props["File Path"]))
    pad = _padding(base, prefix, suffix, first, str(props.get("File Name") or ""))
    try:
        fps = float(str(props.get("FPS") or "24"))
    except ValueError:
        fps = 24.0
    del folder
    return FrameSequence(
        path=os.path.join(base, f"{prefix}%0{pad}d{suffix}"),
        first_frame=first,
        last_frame=last,
        frame_rate=fps,
    )


def _padding(base: str, prefix: str, suffix: str, first: int, file_name: str) -> int:
    """Frame-number padding: the width that names an existing first file, else the shown width."""
    match = _BRACKET.search(file_name)
    shown = len(match.group(1)) if match else 4
    for pad in dict.fromkeys((shown, 4, 8, 5, 6, 7, 3, 2, 1)):
        if os.path.isfile(os.path.join(base, f"{prefix}{first:0{pad}d}{suffix}")):
            return pad
    return shown
