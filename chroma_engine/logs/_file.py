"""A run's log file: the same timestamped lines as the console, written through ``durable_log``.

While the run goes the file is the hidden ``.tmp-<pid>-<hex>-<name>`` beside its final name
(``durable_log``: flushed every line, fsynced and renamed when the run ends, also when it fails).
The file keeps INFO lines under ``--quiet`` (the console does not) and debug lines under ``--verbose``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._lines import line_handler, project_levels

_log = logging.getLogger("chroma_engine.logs")


@contextmanager
def run_log(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Within the block every log line of the process (the project's INFO and up, other libraries'
    warnings) also goes to ``path``; yields the final path. The file is complete when the block ends."""
    from ..io import durable_log

    final = Path(path)
    with durable_log(final) as stream, project_levels(logging.INFO):
        handler = line_handler(stream)
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            _log.info("log file %s", final)
            yield final
        finally:
            root.removeHandler(handler)
            handler.close()


def free_log_path(folder: str | os.PathLike[str], stem: str) -> Path:
    """``folder/<stem>.log``, or ``<stem>_2.log``, ``_3``... when taken (earlier logs are kept)."""
    base = Path(folder)
    candidate = base / f"{stem}.log"
    number = 2
    while candidate.exists():
        candidate = base / f"{stem}_{number}.log"
        number += 1
    return candidate
