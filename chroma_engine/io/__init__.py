"""Media I/O: images and frame sequences (OpenImageIO + fileseq), atomic writes, versions."""

from ._atomic import (
    atomic_target,
    existing_versions,
    latest_version_dir,
    next_version_dir,
    write_text_atomic,
)
from ._images import image_info, read_image, set_threads, write_exr, write_png
from ._sequences import (
    ResolvedSequence,
    SequenceScan,
    find_sequences,
    resolve_sequence,
    scan_sequence,
    to_printf,
)

__all__ = [
    "ResolvedSequence",
    "SequenceScan",
    "atomic_target",
    "existing_versions",
    "find_sequences",
    "image_info",
    "latest_version_dir",
    "next_version_dir",
    "read_image",
    "resolve_sequence",
    "scan_sequence",
    "set_threads",
    "to_printf",
    "write_exr",
    "write_png",
    "write_text_atomic",
]
