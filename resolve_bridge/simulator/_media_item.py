"""``MediaPoolItem`` of the simulator and the on-disk media it points at (real files, read with OIIO).

Modelled behaviour (``resolve_api.md`` §3):

* an image sequence is ONE clip; its ``File Name`` reads ``plate.[1001-1240].exr`` and its
  ``File Path`` is that name joined to the folder (the simulator's dedupe key);
* ``Start``/``End`` are inclusive file frame numbers, ``Frames`` the count, ``FPS`` the project rate
  at import time as a float string (``"24.0"``, ``"23.976"``); every property value is a string;
* ``Type`` is ``"Video"`` for sequences and ``"Still"`` for a single image;
* ``SetClipColor`` accepts only the 16 names of :data:`CLIP_COLORS`; ``SetMetadata`` only standard
  fields (use ``SetThirdPartyMetadata`` for free-form keys); ``Input Color Space`` is settable only
  under ``davinciYRGBColorManagedv2``;
* ``ReplaceClip(path)`` on a sequence picks the FIRST file of the folder as Resolve does (pitfall 3).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .._frames import TimelineRate
from ._constants import CLIP_COLORS, METADATA_FIELDS, WRITABLE_CLIP_PROPERTIES
from ._state import SimObject, SimState, api

if TYPE_CHECKING:
    from ._media_pool import Folder

IMAGE_EXTENSIONS = frozenset({".exr", ".dpx", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".cin"})
_PRINTF = re.compile(r"%0?(\d*)d")


@dataclass(frozen=True)
class MediaSource:
    """The files behind a clip.

    Attributes:
        directory: folder of the files (absolute).
        prefix: file name before the frame number (the whole name for a still).
        suffix: file name after the frame number (``".exr"``).
        padding: digits of the frame number (0 for a still).
        first: first file frame (inclusive; 0 for a still).
        last: last file frame (inclusive; 0 for a still).
        is_sequence: a numbered sequence (``Type`` "Video") rather than one image ("Still").
        width: pixel width read from the first file's header.
        height: pixel height read from the first file's header.
    """

    directory: str
    prefix: str
    suffix: str
    padding: int
    first: int
    last: int
    is_sequence: bool
    width: int
    height: int

    @property
    def file_name(self) -> str:
        if not self.is_sequence:
            return self.prefix
        pad = self.padding
        return f"{self.prefix}[{self.first:0{pad}d}-{self.last:0{pad}d}]{self.suffix}"

    @property
    def file_path(self) -> str:
        return os.path.join(self.directory, self.file_name)

    @property
    def frame_count(self) -> int:
        return self.last - self.first + 1

    def frame_path(self, frame: int) -> str:
        """Path of one file frame (the still itself for a still)."""
        if not self.is_sequence:
            return os.path.join(self.directory, self.prefix)
        return os.path.join(self.directory, f"{self.prefix}{frame:0{self.padding}d}{self.suffix}")

    @property
    def printf_path(self) -> str:
        return os.path.join(self.directory, f"{self.prefix}%0{self.padding}d{self.suffix}")


def read_resolution(path: str) -> tuple[int, int] | None:
    """``(width, height)`` from an image header, ``None`` when OIIO cannot open it."""
    import OpenImageIO as oiio

    inp = oiio.ImageInput.open(path)
    if inp is None:
        oiio.geterror()
        return None
    try:
        spec = inp.spec()
        return spec.width, spec.height
    finally:
        inp.close()


def source_from_printf(pattern: str, first: int, last: int) -> MediaSource | None:
    """Source of a ``%04d`` pattern (the ``ImportMedia`` dict form); ``None`` if the first frame is absent."""
    match = _PRINTF.search(os.path.basename(pattern))
    if match is None or last < first:
        return None
    directory = os.path.dirname(os.path.abspath(pattern))
    name = os.path.basename(pattern)
    prefix, suffix = name[: match.start()], name[match.end() :]
    padding = int(match.group(1) or 1)
    first_file = os.path.join(directory, f"{prefix}{first:0{padding}d}{suffix}")
    size = read_resolution(first_file) if os.path.isfile(first_file) else None
    if size is None:
        return None
    return MediaSource(directory, prefix, suffix, padding, first, last, True, *size)


def source_from_file(path: str) -> MediaSource | None:
    """Source of a single image (a still); ``None`` if missing, unreadable or not an image."""
    full = os.path.abspath(path)
    if os.path.splitext(full)[1].lower() not in IMAGE_EXTENSIONS or not os.path.isfile(full):
        return None
    size = read_resolution(full)
    if size is None:
        return None
    return MediaSource(os.path.dirname(full), os.path.basename(full), "", 0, 0, 0, False, *size)


def sources_in_directory(directory: str) -> list[MediaSource]:
    """Sequences and stills of a folder, grouped as Resolve does with "Show Individual Frames" off."""
    import fileseq

    found: list[MediaSource] = []
    for seq in sorted(fileseq.findSequencesOnDisk(directory), key=str):
        if seq.extension().lower() not in IMAGE_EXTENSIONS:
            continue
        if seq.frameSet() is None or len(seq) == 1 and not seq.padding():
            single = source_from_file(seq.index(0))
            if single:
                found.append(single)
            continue
        pad = len(str(seq.frame(seq.start()))) if seq.zfill() == 0 else seq.zfill()
        pattern = os.path.join(directory, f"{seq.basename()}%0{pad}d{seq.extension()}")
        source = source_from_printf(pattern, int(seq.start()), int(seq.end()))
        if source:
            found.append(source)
    return found


class MediaPoolItem(SimObject):
    """A clip in the Media Pool (see the module docstring for the modelled quirks)."""

    def __init__(self, sim: SimState, source: MediaSource, fps: TimelineRate, folder: Folder) -> None:
        super().__init__(sim)
        self.source = source
        self.fps = fps
        self.folder = folder
        self._uid = sim.new_id("clip")
        self._props: dict[str, str] = {}
        self._metadata: dict[str, str] = {}
        self._third_party: dict[str, str] = {}
        self._color = ""
        self._colour_managed = lambda: False  # replaced by the media pool (project setting lookup)

    # ------------------------------------------------------------------ identity
    @api
    def GetName(self) -> str:
        return self._props.get("Clip Name", self.source.file_name)

    @api
    def GetUniqueId(self) -> str:
        return self._uid

    @api
    def GetMediaId(self) -> str:
        return self._uid.replace("clip", "medi")

    # ------------------------------------------------------------------ properties
    def properties(self) -> dict[str, str]:
        src = self.source
        props = {
            "Clip Name": src.file_name,
            "File Name": src.file_name,
            "File Path": src.file_path,
            "Type": "Video" if src.is_sequence else "Still",
            "Start": str(src.first),
            "End": str(src.last),
            "Frames": str(src.frame_count),
            "FPS": str(round(self.fps.as_float, 3)),
            "Resolution": f"{src.width}x{src.height}",
            "Format": os.path.splitext(src.suffix or src.prefix)[1].lstrip(".").upper(),
            "Input Color Space": "Project Default",
            "Comments": "",
            "Description": "",
            "Reel Name": "",
            "Start TC": "00:00:00:00",
        }
        props.update(self._props)
        return props

    @api
    def GetClipProperty(self, propertyName: str | None = None) -> Any:
        props = self.properties()
        if propertyName is None:
            return props
        return props.get(propertyName, "")

    @api
    def SetClipProperty(self, propertyName: str, propertyValue: Any) -> bool:
        if propertyName not in WRITABLE_CLIP_PROPERTIES or not isinstance(propertyValue, str | int | float):
            return False
        value = str(propertyValue)
        if propertyName == "Input Color Space" and not self._colour_managed():
            return False
        if propertyName == "FPS":
            try:
                self.fps = TimelineRate.parse(value)
            except ValueError:
                return False
            return True
        self._props[propertyName] = value
        return True

    # ------------------------------------------------------------------ metadata
    @api
    def GetMetadata(self, metadataType: str | None = None) -> Any:
        if metadataType is None:
            return dict(self._metadata)
        return self._metadata.get(metadataType, "")

    @api
    def SetMetadata(self, metadataType: Any, metadataValue: Any = None) -> bool:
        items = metadataType if isinstance(metadataType, dict) else {metadataType: metadataValue}
        if not items or any(k not in METADATA_FIELDS or not isinstance(v, str) for k, v in items.items()):
            return False
        self._metadata.update(items)
        return True

    @api
    def GetThirdPartyMetadata(self, metadataType: str | None = None) -> Any:
        if metadataType is None:
            return dict(self._third_party)
        return self._third_party.get(metadataType, "")

    @api
    def SetThirdPartyMetadata(self, metadataType: Any, metadataValue: Any = None) -> bool:
        items = metadataType if isinstance(metadataType, dict) else {metadataType: metadataValue}
        if not items or any(not isinstance(k, str) or not isinstance(v, str) for k, v in items.items()):
            return False
        self._third_party.update(items)
        return True

    # ------------------------------------------------------------------ colour, replace
    @api
    def SetClipColor(self, colorName: str) -> bool:
        if colorName not in CLIP_COLORS:
            return False
        self._color = colorName
        return True

    @api
    def GetClipColor(self) -> str:
        return self._color

    @api
    def ClearClipColor(self) -> bool:
        self._color = ""
        return True

    @api
    def ReplaceClip(self, filePath: str) -> bool:
        if not isinstance(filePath, str) or not os.path.isfile(filePath):
            return False
        directory = os.path.dirname(os.path.abspath(filePath))
        if self.source.is_sequence:
            # Pitfall 3: Resolve re-detects the sequence from the first file of the folder.
            candidates = [s for s in sources_in_directory(directory) if s.is_sequence]
            if not candidates:
                return False
            self.source = candidates[0]
        else:
            new = source_from_file(filePath)
            if new is None:
                return False
            self.source = replace(new)
        return True

    def __repr__(self) -> str:
        return f"<sim MediaPoolItem {self.source.file_name!r}>"
