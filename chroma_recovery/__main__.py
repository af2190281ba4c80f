"""``python -m chroma_recovery``: the same command as ``chroma-recovery`` (the menu scripts use it
when only the tool's Python was found)."""

from chroma_recovery.cli import main

main()
