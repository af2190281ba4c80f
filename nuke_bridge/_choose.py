"""The one place that decides which backend runs a job: Nuke or the native engine.

Rules (``--backend`` of ``run``, ``watch``/``work``, the farm's ``Backend`` parameter):

* an explicit request (``nuke`` / ``native``) beats the job's ``backend`` field; ``auto`` or no
  request leaves the job's choice;
* ``auto`` means Nuke when one is found on this machine, else native;
* ``nuke`` without a Nuke raises ``NukeNotFoundError`` (naming ``CHROMA_RECOVERY_NUKE`` and
  ``--backend native``);
* ``detect=False`` decides for machines this one cannot see (a farm bundle's default): no Nuke is
  looked for, ``auto`` becomes native and ``nuke`` is trusted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from schemas import ShotJob

from ._errors import NukeBridgeError
from ._locate import NukeInstall, find_nuke, locate_nuke

Backend = Literal["nuke", "native"]
BackendRequest = Literal["auto", "nuke", "native"]
REQUESTS: tuple[BackendRequest, ...] = ("auto", "nuke", "native")


@dataclass(frozen=True)
class BackendDecision:
    """Which backend runs a job, and the Nuke that runs it.

    Attributes:
        backend: ``nuke`` or ``native``.
        requested: what decided it: the explicit request, else the job's ``backend`` field.
        install: the Nuke found (``nuke`` only; None when ``detect=False``).
    """

    backend: Backend
    requested: BackendRequest
    install: NukeInstall | None = None

    @property
    def uses_nuke(self) -> bool:
        return self.backend == "nuke"


def choose_backend(
    requested: str | None,
    job: ShotJob,
    *,
    detect: bool = True,
    env: Mapping[str, str] | None = None,
    install_globs: Sequence[tuple[str, str]] | None = None,
) -> BackendDecision:
    """Decide the backend of ``job`` for a request (``--backend``; None when not given).

    Args:
        requested: ``auto``, ``nuke``, ``native`` or None.
        job: the job (its ``backend`` field; ``project.root`` may name the Nuke executable).
        detect: look for Nuke on this machine (False: decide for another machine, see the module).
        env, install_globs: see ``locate_nuke`` (tests).

    Raises:
        NukeBridgeError: ``requested`` is not auto, nuke or native.
        NukeNotFoundError: Nuke was asked for (by the request or the job) and none is found, or an
            explicit Nuke setting points at a missing file.
    """
    if requested is not None and requested not in REQUESTS:
        raise NukeBridgeError(f"--backend {requested!r}: choose auto, nuke or native")
    choice: BackendRequest = requested if requested in ("nuke", "native") else job.backend  # type: ignore[assignment]
    root = job.project.root
    if choice == "native" or (choice == "auto" and not detect):
        return BackendDecision("native", choice)
    if not detect:
        return BackendDecision("nuke", choice)
    if choice == "nuke":
        return BackendDecision("nuke", choice, locate_nuke(root, env=env, install_globs=install_globs))
    found = find_nuke(root, env=env, install_globs=install_globs)
    return BackendDecision("nuke" if found is not None else "native", choice, found)
