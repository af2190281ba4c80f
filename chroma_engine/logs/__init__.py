"""How much the tools say: one verbosity for the whole process tree (quiet, normal, verbose).

The CLI's ``--quiet`` / ``--verbose`` call :func:`set_verbosity`; the level is kept in the
environment (``CHROMA_RECOVERY_VERBOSITY``), so render workers, farm tasks and Nuke renders started
from this process inherit it, and it sets the level of the engine's Python loggers. Progress output
reads it back with :func:`verbosity`.
"""

from ._verbosity import VERBOSITY_ENV, Verbosity, set_verbosity, verbosity

__all__ = ["VERBOSITY_ENV", "Verbosity", "set_verbosity", "verbosity"]
