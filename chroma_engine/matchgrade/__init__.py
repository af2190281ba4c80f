"""MatchGrade baseline: one global 3D LUT fitted on the training pairs (Nuke MatchGrade equivalent).

``fit_lut`` fits through a log2 shaper like MatchGrade's ``prelut`` Logarithmic; ``Lut3D.apply`` grades
display-referred Rec.709 frames; ``Lut3D.write_cube`` writes a display-in/display-out ``.cube`` with
the shaper baked in, for Resolve (V3 MatchGrade track) and Nuke. The lead scores it fairly on the
scan's luma: ``colour.recombine(scan, lut.apply(scan))``.
"""

from ._fit import fit_lut
from ._lut import Lut3D, identity_table, read_cube, trilinear
from ._shaper import shaper_forward, shaper_inverse

__all__ = ["Lut3D", "fit_lut", "identity_table", "read_cube", "shaper_forward", "shaper_inverse", "trilinear"]
