"""chroma-recovery: the command line that ties the engine, the Nuke bridge and the Resolve bridge."""

from chroma_engine import __version__

__all__ = ["__version__"]
