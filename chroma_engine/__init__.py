"""The native engine: the five chroma-recovery stages in open source (OIIO, OCIO, OpenCV, PyTorch).

``__version__`` is the installed distribution's version (recorded in every render manifest).
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version

from ._threads import passive_threads

passive_threads()  # before anything loads PyTorch's OpenMP runtime

from ._errors import (  # noqa: E402 - after the thread policy
    ColourError,
    ConformError,
    EngineError,
    ManifestError,
    MediaError,
    MissingFramesError,
    StageError,
    TrainingError,
    WriteError,
)

try:
    __version__ = _distribution_version("chroma-recovery")
except PackageNotFoundError:  # a source tree on sys.path without an installed distribution
    __version__ = "0+unknown"

__all__ = [
    "ColourError",
    "ConformError",
    "EngineError",
    "ManifestError",
    "MediaError",
    "MissingFramesError",
    "StageError",
    "TrainingError",
    "WriteError",
    "__version__",
]
