"""Bad inputs a hostile but realistic user gives the CLI; each must be handled cleanly.

Handled cleanly: exit status 2 with one ``error:`` line naming the file or field and a hint, no
traceback, nothing half-created — or, for the documented handling cases (``expect="ok"``), success.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chroma_engine.io import write_bytes_atomic

from ._common import CliOutcome, copy_shot, run_cli

Prepare = Callable[[Path, Path], list[str]]


@dataclass(frozen=True)
class InputCase:
    """One bad input: ``prepare(work, shot)`` makes the files and returns the CLI arguments."""

    name: str
    prepare: Prepare
    expect: str = "error"  # or "ok": documented handling, the command succeeds
    full_disk: bool = False


@dataclass(frozen=True)
class InputResult:
    name: str
    handled: bool
    exit_code: int
    line: str


def _job(
    shot: Path, work: Path, edit: Callable[[dict], object] | None = None, raw: bytes | None = None
) -> Path:
    data = json.loads((shot / "job.json").read_text(encoding="utf-8"))
    if edit is not None:
        edit(data)
    return write_bytes_atomic(work / "job.json", raw if raw is not None else json.dumps(data).encode())


def _bytes_case(replace: bytes, by: bytes) -> Prepare:
    def prepare(work: Path, shot: Path) -> list[str]:
        raw = (shot / "job.json").read_bytes().replace(replace, by, 1)
        return ["job", "validate", str(_job(shot, work, raw=raw))]

    return prepare


def _field(path: tuple[str, ...], value: object, command: tuple[str, ...] = ("job", "validate")) -> Prepare:
    def prepare(work: Path, shot: Path) -> list[str]:
        def edit(data: dict) -> None:
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

        return [*command, str(_job(shot, work, edit))]

    return prepare


def _frame_case(damage: Callable[[Path], None]) -> Prepare:
    """A private copy of the shot with one source frame damaged; run curation on it."""

    def prepare(work: Path, shot: Path) -> list[str]:
        job = copy_shot(shot, work / "shot")
        frames = sorted((work / "shot" / "media" / "SOURCE").glob("*.exr"))
        damage(frames[2])
        return ["run", str(job), "--stage", "curation"]

    return prepare


def _grey(channels: int) -> Callable[[Path], None]:
    def damage(frame: Path) -> None:
        import OpenImageIO as oiio

        from chroma_engine.io import atomic_target

        spec = oiio.ImageSpec(96, 64, channels, oiio.HALF)
        with atomic_target(frame) as tmp:
            out = oiio.ImageOutput.create(str(tmp))
            out.open(str(tmp), spec)
            out.write_image(np.full((64, 96, channels), 0.5, np.float32))
            out.close()

    return damage


def _resized(frame: Path) -> None:
    from chroma_engine.io import write_exr

    write_exr(frame, np.full((48, 64, 3), 0.5, np.float32), "Gamma 2.4 Encoded Rec.709")


def _second_padding(frame: Path) -> None:
    stem, number = frame.stem.rsplit("_", 1)
    os.link(frame, frame.with_name(f"{stem}_{int(number):05d}{frame.suffix}"))


def _linked_out(frame: Path) -> None:
    outside = frame.parents[3] / "outside.exr"
    frame.rename(outside)
    frame.symlink_to(outside)


def _command(*args: str) -> Prepare:
    return lambda work, shot: [a.replace("{work}", str(work)).replace("{shot}", str(shot)) for a in args]


def _project(*args: str) -> Prepare:
    def prepare(work: Path, shot: Path) -> list[str]:
        (work / "proj" / "jobs").mkdir(parents=True)
        return [a.replace("{proj}", str(work / "proj")) for a in args]

    return prepare


def _submit(work: Path, shot: Path) -> list[str]:
    job = copy_shot(shot, work / "shot")
    return ["submit", str(job)]


def _fcp(encoding: str) -> Prepare:
    def prepare(work: Path, shot: Path) -> list[str]:
        import opentimelineio as otio

        timeline = otio.schema.Timeline(name="REEL1")
        track = otio.schema.Track(name="V1")
        rt = otio.opentime.RationalTime
        span = otio.opentime.TimeRange(rt(1001, 24), rt(6, 24))
        track.append(otio.schema.Clip(name="sh010_café", source_range=span))
        timeline.tracks.append(track)
        text = otio.adapters.write_to_string(timeline, adapter_name="fcp_xml")
        body = text[text.index("?>") + 2 :] if text.startswith("<?xml") else text
        declared = f'<?xml version="1.0" encoding="{encoding}"?>\n' + body
        reel = write_bytes_atomic(work / "cut.xml", declared.encode(encoding.lower()))
        (work / "proj" / "pipeline").mkdir(parents=True)
        return ["conform", str(reel), "--project", str(work / "proj"), "--out", str(work / "c.otio")]

    return prepare


_NON_UTF8 = _bytes_case(b'"sh010"', b'"sh\xff010"')
_HUGE_NUMBER = _bytes_case(b'"first_frame": 1001', b'"first_frame": ' + b"9" * 5000)


def _raw(data: Callable[[Path], bytes]) -> Prepare:
    return lambda work, shot: ["job", "validate", str(_job(shot, work, raw=data(shot)))]


def _on(command: str, prepare: Prepare) -> Prepare:
    """``prepare``'s job file given to another command (``run``, ``nk build``)."""
    return lambda work, shot: [*command.split(), prepare(work, shot)[-1]]


def _with_shot(*args: str) -> Prepare:
    def prepare(work: Path, shot: Path) -> list[str]:
        job = str(copy_shot(shot, work / "shot"))
        return [a.replace("{job}", job) for a in args]

    return prepare


_CONFORM = ("conform", "{work}/cut.edl", "--project", "{work}", "--out", "{work}/c.otio")

INPUT_CASES: tuple[InputCase, ...] = (
    InputCase("job with a non-UTF-8 byte", _NON_UTF8),
    InputCase("job with a 5000-digit integer", _HUGE_NUMBER),
    InputCase("job nested 100000 deep", _bytes_case(b'"sh010"', b"[" * 100_000)),
    InputCase("job that is not JSON", _bytes_case(b"{", b"")),
    InputCase("job that is empty", _raw(lambda shot: b"")),
    InputCase("job with a lone surrogate escape", _bytes_case(b'"sh010"', b'"sh\\ud800"')),
    InputCase("job saved as UTF-16", _raw(lambda shot: (shot / "job.json").read_text().encode("utf-16"))),
    InputCase("schema_version given as a number", _field(("schema_version",), 1)),
    InputCase("schema_version 99", _field(("schema_version",), "99")),
    InputCase("project.root is /", _field(("project", "root"), "/")),
    InputCase("project.root with a NUL byte", _field(("project", "root"), "/tmp/a\x00b")),
    InputCase("media path escaping the root", _field(("media", "source", "path"), "../../etc/S_####.exr")),
    InputCase("frame range reversed", _field(("media", "source", "last_frame"), 1)),
    InputCase("negative frame rate", _field(("frame_rate",), -24)),
    InputCase("run on a job with a 5000-digit integer", _on("run", _HUGE_NUMBER)),
    InputCase("nk build on a job with a non-UTF-8 byte", _on("nk build", _NON_UTF8)),
    InputCase("job file missing", _command("job", "validate", "{work}/nope.json")),
    InputCase("run --device banana", _with_shot("run", "{job}", "--device", "banana")),
    InputCase(
        "farm task --device cuda:x",
        _with_shot("farm", "task", "{job}", "--step", "infer", "--device", "cuda:x"),
    ),
    InputCase("demo --size abc", _command("demo", "--out", "{work}/demo", "--size", "abc")),
    InputCase("synth --size 10x", _command("synth", "{work}/s", "--size", "10x")),
    InputCase("watch --interval -1", _project("watch", "{proj}", "--interval", "-1")),
    InputCase("watch --interval nan", _project("watch", "{proj}", "--interval", "nan")),
    InputCase("watch-renders --interval 0", _project("watch-renders", "{proj}", "--interval", "0")),
    InputCase("watch --stale-after 0", _project("watch", "{proj}", "--once", "--stale-after", "0")),
    InputCase("watch on a mistyped project", _command("watch", "{work}/prjoect", "--once")),
    InputCase("watch-renders on a mistyped project", _command("watch-renders", "{work}/prjoect", "--once")),
    InputCase("watch on a folder that is no project", _command("watch", "{work}", "--once")),
    InputCase("submit to a full disk", _submit, full_disk=True),
    InputCase("conform --rate 0", _command(*_CONFORM, "--rate", "0")),
    InputCase("conform of a missing reel", _command(*_CONFORM)),
    InputCase("FCP XML declared ISO-8859-1", _fcp("ISO-8859-1"), expect="ok"),
    InputCase("FCP XML declared UTF-16", _fcp("UTF-16"), expect="ok"),
    InputCase("1-channel frame in a sequence", _frame_case(_grey(1))),
    InputCase("2-channel frame in a sequence", _frame_case(_grey(2))),
    InputCase("frame of another size in a sequence", _frame_case(_resized)),
    InputCase("frame under two paddings (_1003 and _01003)", _frame_case(_second_padding)),
    InputCase("frame linked out of the project root", _frame_case(_linked_out)),
    InputCase(
        "approve a version that is not a number",
        _command("approve", "sh010", "latest", "--project", "{work}"),
    ),
)


@contextlib.contextmanager
def _maybe_full_disk(on: bool) -> Iterator[None]:
    from chroma_engine.io import simulate_full_disk

    if not on:
        yield
        return
    with simulate_full_disk():
        yield


def run_input_case(case: InputCase, work: Path, shot: Path) -> InputResult:
    """Prepare and run one case; ``handled`` says whether the promise held."""
    work.mkdir(parents=True, exist_ok=True)
    args = case.prepare(work, shot)
    with _maybe_full_disk(case.full_disk):
        outcome: CliOutcome = run_cli(args)
    handled = outcome.exit_code == 0 and not outcome.traceback if case.expect == "ok" else outcome.clean_error
    if case.name.startswith(("watch on a mistyped", "watch-renders on a mistyped")):
        handled = handled and not (work / "prjoect").exists()  # nothing created
    if case.name == "submit to a full disk":
        handled = handled and not list((work / "shot" / "jobs").rglob("*.json"))
    line = outcome.first_line if not outcome.traceback else outcome.traceback.strip().splitlines()[-1]
    return InputResult(case.name, handled, outcome.exit_code, line[:160])
