"""chroma-recovery: the command line that ties the engine, the Nuke bridge and the Resolve bridge."""

__version__ = "0.1.0"
