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

Each verb's module is imported only when it is asked for, so a request pays for the libraries it
needs (``config`` needs pydantic, not OpenImageIO or OpenTimelineIO).
"""

from __future__ import annotations

import importlib

from ._errors import BadRequest
from ._protocol import Verb

#: verb -> ``module:function`` of this package.
VERBS: dict[str, str] = {
    "config": "_config:verb_config",
    "check-frames": "_renders:verb_check_frames",
    "write-job": "_jobs:verb_write_job",
    "renders": "_renders:verb_renders",
    "queue-finish": "_renders:verb_queue_finish",
    "conform-plan": "_conform:verb_conform_plan",
}


def load_verb(verb: str) -> Verb:
    """The function answering ``verb``.

    Raises:
        BadRequest: no such verb.
    """
    target = VERBS.get(verb)
    if target is None:
        raise BadRequest(
            f"unknown host verb {verb!r} (known: {', '.join(sorted(VERBS))})",
            hint="run 'chroma-recovery resolve install-scripts' again so the scripts match the tool",
        )
    module, name = target.split(":")
    function: Verb = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    return function
