"""Media I/O: images and frame sequences (OpenImageIO + fileseq), durable writes, versions, checksums.

Every file the project writes goes through ``atomic_target`` (writers that need a file name) or
``write_bytes_atomic`` / ``write_text_atomic`` / ``write_json_atomic`` / ``write_document`` /
``copy_file_atomic`` (and ``write_exr`` / ``write_png`` on top of them): temporary name, writer status
checked, fsync, verified, renamed, folder fsynced; ``WriteError`` names the file on any failure.
"""

from ._atomic import (
    atomic_target,
    copy_file_atomic,
    durable_log,
    is_temporary,
    simulate_full_disk,
    write_bytes_atomic,
    write_document,
    write_json_atomic,
    write_text_atomic,
)
from ._checksum import sha256_file
from ._images import image_info, read_image, set_threads, write_exr, write_figure, write_png
from ._sequences import (
    ResolvedSequence,
    SequenceScan,
    find_sequences,
    resolve_sequence,
    scan_sequence,
    to_printf,
)
from ._versions import (
    MANIFEST_NAME,
    VersionPick,
    existing_versions,
    free_path,
    newest_complete_version,
    next_version_dir,
)

__all__ = [
    "free_path",
    "MANIFEST_NAME",
    "ResolvedSequence",
    "SequenceScan",
    "VersionPick",
    "atomic_target",
    "copy_file_atomic",
    "durable_log",
    "existing_versions",
    "find_sequences",
    "image_info",
    "is_temporary",
    "newest_complete_version",
    "next_version_dir",
    "read_image",
    "resolve_sequence",
    "scan_sequence",
    "set_threads",
    "sha256_file",
    "simulate_full_disk",
    "to_printf",
    "write_bytes_atomic",
    "write_document",
    "write_exr",
    "write_figure",
    "write_json_atomic",
    "write_png",
    "write_text_atomic",
]
