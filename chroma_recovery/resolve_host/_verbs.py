"""The verbs of host protocol 1, by name (``chroma-recovery resolve host <verb>``).

======================  ===========================================  =============================
verb                    request ``args``                             ``result``
======================  ===========================================  =============================
``config``              ``path``                                     ``config`` (every field),
                                                                     ``tool`` (version, python)
``check-frames``        ``files``, ``width``?, ``height``?           ``checked``
``write-job``           ``job`` (ShotJob fields), ``cut``            ``job_path``, ``cut_path``,
                                                                     ``cut_made_by``
``renders``             ``project_root``, ``manifests``?             ``renders``: per manifest
                                                                     ``render`` or ``error``
``queue-finish``        ``project_root``, ``outcomes``               ``moved``
``conform-plan``        ``project_root``, ``reel``, ``rate``?,       ``plan``
                        ``track``?, ``originals``?, ``import_otio``?
======================  ===========================================  =============================
"""

from __future__ import annotations

from ._config import verb_config
from ._conform import verb_conform_plan
from ._jobs import verb_write_job
from ._protocol import Verb
from ._renders import verb_check_frames, verb_queue_finish, verb_renders

VERBS: dict[str, Verb] = {
    "config": verb_config,
    "check-frames": verb_check_frames,
    "write-job": verb_write_job,
    "renders": verb_renders,
    "queue-finish": verb_queue_finish,
    "conform-plan": verb_conform_plan,
}
