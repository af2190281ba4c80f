"""The native engine: the five chroma-recovery stages in open source (OIIO, OCIO, OpenCV, PyTorch)."""

from ._errors import (
    ColourError,
    EngineError,
    MediaError,
    MissingFramesError,
    StageError,
    TrainingError,
    WriteError,
)

__all__ = [
    "ColourError",
    "EngineError",
    "MediaError",
    "MissingFramesError",
    "StageError",
    "TrainingError",
    "WriteError",
]
