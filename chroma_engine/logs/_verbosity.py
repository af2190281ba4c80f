"""The process-wide verbosity, kept in the environment so that child processes inherit it."""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Iterable, MutableMapping

#: Environment variable holding the verbosity's name (``quiet``, ``normal`` or ``verbose``).
VERBOSITY_ENV = "CHROMA_RECOVERY_VERBOSITY"


class Verbosity(enum.IntEnum):
    """QUIET: warnings and errors only; NORMAL: stage progress; VERBOSE: every detail (debug)."""

    QUIET = 0
    NORMAL = 1
    VERBOSE = 2

    @property
    def logging_level(self) -> int:
        """The Python logging level that matches (WARNING, INFO, DEBUG)."""
        return {0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}[int(self)]


def verbosity(environ: MutableMapping[str, str] | None = None) -> Verbosity:
    """The verbosity in force: the environment's, NORMAL when unset or unreadable."""
    name = (os.environ if environ is None else environ).get(VERBOSITY_ENV, "").strip().upper()
    return Verbosity.__members__.get(name, Verbosity.NORMAL)


def set_verbosity(
    level: Verbosity,
    loggers: Iterable[str] = ("chroma_engine",),
    environ: MutableMapping[str, str] | None = None,
) -> Verbosity:
    """Make ``level`` the verbosity of this process and of every process it starts from now on.

    Stores the level's name in ``CHROMA_RECOVERY_VERBOSITY`` and sets the level of the named
    Python loggers (the engine's by default; callers add their own packages' loggers).
    """
    chosen = Verbosity(level)
    (os.environ if environ is None else environ)[VERBOSITY_ENV] = chosen.name.lower()
    for name in loggers:
        logging.getLogger(name).setLevel(chosen.logging_level)
    return chosen
