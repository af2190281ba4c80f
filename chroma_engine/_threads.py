"""How the engine's math threads wait: set once, before PyTorch (and its OpenMP runtime) is loaded.

OpenMP's worker threads spin between parallel regions by default. Where other processes share the
cores (render workers, a busy workstation) a spinning thread holds a core its sibling needs, and every
small operation waits for a time slice: on a 2-core CPU at load 10, one evaluation of the LUT refit
(``training._degradation``) took 2.8 s with spinning threads and 0.04 s with passive ones (0.05 s with
one thread). Passive threads sleep at once; large operations do not notice.
"""

from __future__ import annotations

import os
import sys

#: OpenMP's wait policy for the engine's processes, unless the environment already names one.
WAIT_POLICY = "PASSIVE"


def passive_threads() -> bool:
    """Ask OpenMP for passive waiting (``OMP_WAIT_POLICY``) when PyTorch is not loaded yet; True when
    it will apply (the environment did not choose otherwise and the runtime is not running yet)."""
    if "torch" in sys.modules:
        return os.environ.get("OMP_WAIT_POLICY", "").upper() == WAIT_POLICY
    os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)
    return os.environ["OMP_WAIT_POLICY"].upper() == WAIT_POLICY
