"""The pre-LUT shaper of the MatchGrade baseline: display Rec.709 -> linear -> log2, and back.

Nuke MatchGrade with ``prelut`` Logarithmic converts Lin->Log before the LUT and Log->Lin after it, so
the LUT's nodes are spread evenly in stops rather than in code values. Our inputs are display-referred
Rec.709 R'G'B' (``Gamma 2.4 Encoded Rec.709``), so the shaper is

    lin = clip(v, 0, 1) ** 2.4                       (BT.1886 EOTF with Lw = 1, Lb = 0)
    s   = (log2(lin + o) - log2(o)) / (log2(1 + o) - log2(o))   o = 2**-9 (about 9 stops)

mapping display 0..1 onto shaper 0..1 (display 0.1 -> 0.18, 0.18 -> 0.36, 0.5 -> 0.73). The
offset ``o`` gives a finite toe, as ACEScct's linear segment does, so black and near-black shadows get
well-conditioned nodes. Values outside display 0..1 are clamped (the LUT domain and the ``.cube``
domain are both 0..1).
"""

from __future__ import annotations

import numpy as np

#: Display-referred gamma of the BT.1886 decode (Resolve's "Gamma 2.4" Rec.709).
DISPLAY_GAMMA = 2.4
#: Log toe offset in linear light: 2**-9 keeps ~9 stops of shadow resolution below display white.
LOG_OFFSET = 2.0**-9

_LOG_LO = np.log2(LOG_OFFSET)
_LOG_SPAN = np.log2(1.0 + LOG_OFFSET) - _LOG_LO

SHAPERS = ("log2", "none")


def shaper_forward(display: np.ndarray, shaper: str) -> np.ndarray:
    """Display R'G'B' (any shape) -> shaper domain 0..1, float32; ``"none"`` only clamps."""
    v = np.clip(np.asarray(display, dtype=np.float32), 0.0, 1.0)
    if shaper == "none":
        return v
    lin = np.power(v, np.float32(DISPLAY_GAMMA))
    lin += np.float32(LOG_OFFSET)
    out = np.log2(lin)
    out -= np.float32(_LOG_LO)
    out *= np.float32(1.0 / _LOG_SPAN)
    return out


def shaper_inverse(shaped: np.ndarray, shaper: str) -> np.ndarray:
    """Shaper domain -> display R'G'B', float32 (inverse of :func:`shaper_forward` inside 0..1).

    Values beyond 0..1 (a LUT may overshoot) are extended smoothly: the log curve is inverted as is and
    negative linear light is mirrored so the result stays monotonic.
    """
    s = np.asarray(shaped, dtype=np.float32)
    if shaper == "none":
        return s.copy()
    lin = np.exp2(s * np.float32(_LOG_SPAN) + np.float32(_LOG_LO)) - np.float32(LOG_OFFSET)
    return (np.sign(lin) * np.power(np.abs(lin), np.float32(1.0 / DISPLAY_GAMMA))).astype(np.float32)
