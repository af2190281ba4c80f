"""Find the Nuke executable and the edition (licence mode) to start it in.

Search order, first hit wins (``locate_nuke``):

1. the environment variable ``CHROMA_RECOVERY_NUKE`` (path of the executable);
2. the project config ``<project>/chroma_recovery.toml``, top-level key ``nuke_executable``;
3. ``PATH``: files named ``nuke``, ``Nuke15.1``, ``Nuke15.1v5`` ... (``.exe`` on Windows);
4. the standard install folders, newest version first: macOS
   ``/Applications/Nuke*/Nuke*.app/Contents/MacOS/Nuke*``, Windows ``C:\\Program Files\\Nuke*\\Nuke*.exe``,
   Linux ``/usr/local/Nuke*/Nuke*``.

The edition decides the licence flag: ``nukex`` (``--nukex``, the default: CopyCat, MatchGrade, F_Align
and CatFileCreator need it), ``nc`` (Non-Commercial, ``--nc``: scripts saved as ``.nknc``, output limited
to 1920x1080), ``indie`` (``--indie``, ``.nkind``) and ``nuke`` (plain Nuke, no flag; the training and
MatchGrade stages will not run). It comes from ``CHROMA_RECOVERY_NUKE_EDITION``, then the config key
``nuke_edition``, then the executable's path (``NukeX`` / ``Non-commercial`` / ``Indie`` in a folder or
file name), else ``nukex``. Example ``chroma_recovery.toml``::

    nuke_executable = "/usr/local/Nuke15.1v5/Nuke15.1"
    nuke_edition = "nukex"
"""

from __future__ import annotations

import glob
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from schemas import SchemaModel

from ._errors import NukeBridgeError

ENV_EXECUTABLE = "CHROMA_RECOVERY_NUKE"
ENV_EDITION = "CHROMA_RECOVERY_NUKE_EDITION"
CONFIG_NAME = "chroma_recovery.toml"

Edition = Literal["nukex", "nc", "indie", "nuke"]
Found = Literal["env", "config", "path", "install"]
EDITIONS: tuple[Edition, ...] = ("nukex", "nc", "indie", "nuke")

_NAME_RE = re.compile(r"^(?:nuke|nuke(?:x|studio)?\d+(?:\.\d+)*(?:v\d+)?)(?:\.exe)?$", re.IGNORECASE)
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:v(\d+))?", re.IGNORECASE)

#: (root, glob below the root) per ``sys.platform`` prefix.
INSTALL_GLOBS: dict[str, tuple[tuple[str, str], ...]] = {
    "darwin": (("/Applications", "Nuke*/Nuke*.app/Contents/MacOS/Nuke*"),),
    "win32": (("C:\\Program Files", "Nuke*/Nuke*.exe"),),
    "linux": (("/usr/local", "Nuke*/Nuke*"),),
}


class NukeNotFoundError(NukeBridgeError):
    """No usable Nuke executable; the message lists what was tried.

    Attributes:
        explicit: True when an explicit setting (env var or config) names a bad path.
    """

    def __init__(self, message: str, hint: str = "", *, explicit: bool = False) -> None:
        super().__init__(message, hint)
        self.explicit = explicit


class NukeInstall(SchemaModel):
    """A Nuke executable and how to start it.

    Attributes:
        executable: absolute path of the binary.
        version: ``15.1v5`` style version read from the path, or None when the path does not say.
        edition: licence mode (see the module docstring).
        found_by: which search step found it.
    """

    executable: str
    version: str | None = None
    edition: Edition = "nukex"
    found_by: Found = "env"

    @property
    def licence_flags(self) -> tuple[str, ...]:
        """Command-line flags selecting the licence: ``--nukex``, ``--nc``, ``--indie`` or none."""
        return {"nukex": ("--nukex",), "nc": ("--nc",), "indie": ("--indie",), "nuke": ()}[self.edition]

    @property
    def script_suffix(self) -> str:
        """File suffix this edition saves scripts with (``.nk``, ``.nknc``, ``.nkind``)."""
        return {"nc": ".nknc", "indie": ".nkind"}.get(self.edition, ".nk")

    @property
    def max_resolution(self) -> tuple[int, int] | None:
        """Largest output size the edition renders (Non-Commercial: 1920x1080), None = unlimited."""
        return (1920, 1080) if self.edition == "nc" else None

    @property
    def has_nukex_features(self) -> bool:
        """Whether CopyCat, MatchGrade, F_Align and CatFileCreator are available."""
        return self.edition != "nuke"


def _version_match(path: str | os.PathLike[str]) -> re.Match[str] | None:
    """The most specific version in a path: the last ``15.1v5`` form, else the last ``15.1``."""
    matches = list(_VERSION_RE.finditer(str(path)))
    with_release = [m for m in matches if m.group(3)]
    chosen = with_release or matches
    return chosen[-1] if chosen else None


def version_key(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """Sort key ``(major, minor, release)`` of a path's version; ``(-1, -1, -1)`` if it has none."""
    match = _version_match(path)
    if match is None:
        return (-1, -1, -1)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def version_of(path: str | os.PathLike[str]) -> str | None:
    """``15.1v5`` (or ``15.1``) read from a path, or None."""
    match = _version_match(path)
    return match.group(0) if match else None


def edition_from_path(path: str | os.PathLike[str]) -> Edition:
    """Guess the edition from an install path (``Non-commercial``/``NC``, ``Indie``), default ``nukex``."""
    text = str(path).lower()
    if "non-commercial" in text or "noncommercial" in text or re.search(r"nuke[^/\\]*nc\b", text):
        return "nc"
    if "indie" in text:
        return "indie"
    return "nukex"


def _is_executable(path: Path, platform: str) -> bool:
    if not path.is_file():
        return False
    return platform.startswith("win") or os.access(path, os.X_OK)


def _edition(value: str, where: str) -> Edition:
    text = value.strip().lower()
    aliases = {"non-commercial": "nc", "noncommercial": "nc", "x": "nukex", "studio": "nukex"}
    text = aliases.get(text, text)
    if text not in EDITIONS:
        raise NukeNotFoundError(
            f"{where}: unknown Nuke edition {value!r}",
            hint=f"use one of {', '.join(EDITIONS)}",
        )
    return text  # type: ignore[return-value]


def read_project_config(project_root: str | os.PathLike[str] | None) -> dict[str, str]:
    """The ``nuke_*`` keys of ``<project>/chroma_recovery.toml`` (empty when the file is absent).

    Raises:
        NukeNotFoundError: the file exists but is not valid TOML or a value is not a string.
    """
    if project_root is None:
        return {}
    path = Path(project_root) / CONFIG_NAME
    if not path.is_file():
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NukeNotFoundError(
            f"{path}: cannot read the project config ({exc})", hint="fix the TOML"
        ) from exc
    result: dict[str, str] = {}
    for key in ("nuke_executable", "nuke_edition"):
        if key in data:
            if not isinstance(data[key], str):
                raise NukeNotFoundError(f"{path}: {key} must be a string", hint=f'{key} = "..."')
            result[key] = data[key]
    return result


def _scan_path(search_path: str, platform: str) -> list[Path]:
    hits: list[Path] = []
    for folder in search_path.split(os.pathsep):
        if not folder or not os.path.isdir(folder):
            continue
        names = [n for n in os.listdir(folder) if _NAME_RE.match(n)]
        for name in sorted(names, key=lambda n: (version_key(n), n), reverse=True):
            candidate = Path(folder) / name
            if _is_executable(candidate, platform):
                hits.append(candidate)
    return hits


def _scan_installs(globs: Sequence[tuple[str, str]], platform: str) -> list[Path]:
    hits: list[Path] = []
    for root, pattern in globs:
        if not os.path.isdir(root):
            continue
        for rel in glob.glob(pattern, root_dir=root):
            candidate = Path(root) / rel
            if _NAME_RE.match(candidate.name) and _is_executable(candidate, platform):
                hits.append(candidate)
    # Newest version first; the folder name carries the full ``15.1v5`` version.
    return sorted(set(hits), key=lambda p: (version_key(p), str(p)), reverse=True)


def install_globs_for(platform: str) -> tuple[tuple[str, str], ...]:
    """The standard install-folder globs for a ``sys.platform`` value."""
    for prefix, globs in INSTALL_GLOBS.items():
        if platform.startswith(prefix):
            return globs
    return ()


def find_nuke(
    project_root: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    install_globs: Sequence[tuple[str, str]] | None = None,
) -> NukeInstall | None:
    """Like ``locate_nuke`` but returns None when nothing is found (a bad explicit setting still raises)."""
    try:
        return locate_nuke(project_root, env=env, platform=platform, install_globs=install_globs)
    except NukeNotFoundError as exc:
        if exc.explicit:
            raise
        return None


def locate_nuke(
    project_root: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    install_globs: Sequence[tuple[str, str]] | None = None,
) -> NukeInstall:
    """Find Nuke: env var, then project config, then PATH, then install folders (newest first).

    Args:
        project_root: folder holding ``chroma_recovery.toml``; None skips the config step.
        env: environment to read (default ``os.environ``); ``PATH`` is taken from it.
        platform: ``sys.platform`` value selecting the install folders (default: this machine).
        install_globs: ``(root, glob)`` pairs replacing the standard install folders (tests).

    Raises:
        NukeNotFoundError: nothing found, or the env var / config names a file that is not executable
            (``explicit`` is then True: a wrong explicit setting is never silently skipped).
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    config = read_project_config(project_root)
    edition_setting: tuple[str, str] | None = None
    if env.get(ENV_EDITION):
        edition_setting = (env[ENV_EDITION], ENV_EDITION)
    elif "nuke_edition" in config:
        edition_setting = (config["nuke_edition"], f"{Path(str(project_root)) / CONFIG_NAME}: nuke_edition")

    def install(path: Path, found_by: Found) -> NukeInstall:
        edition = _edition(*edition_setting) if edition_setting else edition_from_path(path)
        return NukeInstall(
            executable=str(path.absolute()), version=version_of(path), edition=edition, found_by=found_by
        )

    explicit: list[tuple[str, str, Found]] = []
    if env.get(ENV_EXECUTABLE):
        explicit.append((env[ENV_EXECUTABLE], f"${ENV_EXECUTABLE}", "env"))
    elif "nuke_executable" in config:
        where = f"{Path(str(project_root)) / CONFIG_NAME}: nuke_executable"
        explicit.append((config["nuke_executable"], where, "config"))
    for value, where, found_by in explicit:
        path = Path(os.path.expanduser(value))
        if not _is_executable(path, platform):
            raise NukeNotFoundError(
                f"{where} names {value!r}, which is not an executable file",
                hint=f"point {ENV_EXECUTABLE} at the Nuke binary (e.g. /usr/local/Nuke15.1v5/Nuke15.1) "
                "or use --backend native",
                explicit=True,
            )
        return install(path, found_by)

    on_path = _scan_path(env.get("PATH", ""), platform)
    if on_path:
        return install(on_path[0], "path")
    globs = install_globs_for(platform) if install_globs is None else install_globs
    installed = _scan_installs(globs, platform)
    if installed:
        return install(installed[0], "install")
    folders = ", ".join(str(Path(root) / pattern) for root, pattern in globs) or "none for this OS"
    raise NukeNotFoundError(
        f"Nuke not found: ${ENV_EXECUTABLE} is not set, no nuke_executable in {CONFIG_NAME}, "
        f"no nuke/Nuke* on PATH, nothing in the install folders ({folders}); "
        f"set {ENV_EXECUTABLE} to the Nuke executable or use --backend native",
        hint=f"e.g. export {ENV_EXECUTABLE}=/usr/local/Nuke15.1v5/Nuke15.1, or run with --backend native",
    )
