"""A stand-in ``nuke`` executable for tests: a Python script that acts like Nuke's command line.

``make_fake_nuke(folder)`` writes an executable script (``#!`` this interpreter, ``chmod +x``) that
appends its argv, working directory and ``CHROMA_*``/``FN_*``/``NUKE*`` environment to ``calls.json``
beside it, then behaves according to ``mode``:

- ``ok``: with ``-t wrapper.py`` it installs a minimal fake ``nuke`` module and runs the real generated
  wrapper, whose ``nuke.execute`` / button presses write the files the wrapper expects (EXR through
  OpenImageIO, ``.cat`` as bytes; a CopyCat run writes a ``.cat`` into the data directory). With ``-x`` /
  ``-X`` it writes the frames of every ``file`` knob / the ``dataDirectory`` of the script itself.
- ``fail``: prints ``ERROR: Write1: cannot open file for writing`` on stderr and exits 1.
- ``error_exit0``: prints an ``ERROR:`` line and exits 0 (Nuke's undocumented exit status).
- ``raise``: the fake ``nuke.execute`` raises (exercises the wrapper's exception path).
- ``no_outputs``: runs the wrapper but writes nothing (exercises the missing-output check).
- ``hang``: prints one progress line and sleeps (timeouts).
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

_SCRIPT = r"""#!{python}
import ast, json, os, re, runpy, sys, time, types

MODE = {mode!r}
HERE = os.path.dirname(os.path.abspath(__file__))


def record():
    path = os.path.join(HERE, "calls.json")
    calls = json.load(open(path)) if os.path.exists(path) else []
    keep = ("CHROMA_", "FN_", "NUKE")
    calls.append({{
        "argv": sys.argv,
        "cwd": os.getcwd(),
        "env": {{k: v for k, v in os.environ.items() if k.startswith(keep)}},
    }})
    with open(path + ".tmp", "w") as handle:
        json.dump(calls, handle, indent=1)
    os.replace(path + ".tmp", path)


def write_file(path):
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if path.lower().endswith(".exr"):
        import OpenImageIO as oiio
        buf = oiio.ImageBuf(oiio.ImageSpec(4, 2, 3, "half"))
        oiio.ImageBufAlgo.fill(buf, (0.25, 0.5, 0.75))
        if not buf.write(path):
            raise RuntimeError(oiio.geterror())
    else:
        with open(path, "wb") as handle:
            handle.write(b"fake " + os.path.basename(path).encode())


def frame_of(path):
    match = re.search(r"[._](\d+)\.\w+$", path)
    return int(match.group(1)) if match else None


def produce(expected, first, last):
    for path in expected:
        frame = frame_of(path)
        if frame is None or first <= frame <= last:
            write_file(path)


record()
args = sys.argv[1:]
if MODE == "fail":
    print("Loading script", flush=True)
    sys.stderr.write("ERROR: Write1: cannot open file for writing\n")
    sys.exit(1)
if MODE == "error_exit0":
    print("ERROR: CopyCat1: CUDA out of memory", flush=True)
    sys.exit(0)
if MODE == "hang":
    print("Frame 1 (1 of 2)", flush=True)
    time.sleep(300)
    sys.exit(0)

if "-t" in args:
    wrapper = args[args.index("-t") + 1]
    spec = None
    for line in open(wrapper):
        if line.startswith("SPEC = json.loads("):
            spec = json.loads(ast.literal_eval(line[len("SPEC = json.loads("):-2]))
    opened = []

    class Knob:
        def __init__(self, node, name):
            self.node, self.name = node, name
        def value(self):
            return self.node.values.get(self.name, 0 if self.name != "disable" else False)
        def setValue(self, value):
            self.node.values[self.name] = value
        def execute(self):
            if MODE != "no_outputs":
                produce(spec["expected"], -10**9, 10**9)

    class Node:
        def __init__(self, name):
            self._name, self.values = name, {{}}
        def name(self):
            return self._name
        def __getitem__(self, knob):
            return Knob(self, knob)

    def execute(node, first, last, incr=1):
        if MODE == "raise":
            raise RuntimeError(node.name() + ": render failed")
        if MODE == "no_outputs":
            return
        produce(spec["expected"], first, last)
        if spec.get("cat_dir"):
            os.makedirs(spec["cat_dir"], exist_ok=True)
            write_file(os.path.join(spec["cat_dir"], "Training_%d_30000.cat" % int(time.time() * 1000)))

    fake = types.ModuleType("nuke")
    fake.scriptOpen = lambda path: opened.append(path)
    fake.toNode = lambda name: None if name.startswith("Missing") else Node(name)
    fake.allNodes = lambda cls="": [Node("Write1")]
    fake.execute = execute
    fake.executeMultiple = lambda nodes, ranges: [execute(n, *ranges[0][:2]) for n in nodes]
    sys.modules["nuke"] = fake
    sys.argv = [wrapper] + args[args.index("-t") + 2:]
    runpy.run_path(wrapper, run_name="__main__")
    sys.exit(0)

# -x / -X: parse the frame range and the script's file knobs / dataDirectory.
script = args[-1]
frames = args[args.index("-F") + 1]
first, _, last = frames.partition("-")
first, last = int(first), int(last or first)
text = open(script).read()
if "-X" in args and "CopyCat" in args[args.index("-X") + 1]:
    folder = re.search(r"^ *dataDirectory (\S+)", text, re.M).group(1)
    os.makedirs(folder, exist_ok=True)
    write_file(os.path.join(folder, "Training_%d_30000.cat" % int(time.time() * 1000)))
else:
    patterns = re.findall(r"^ *file (\S+)", text, re.M)
    for index, frame in enumerate(range(first, last + 1)):
        print("Frame %d (%d of %d)" % (frame, index + 1, last - first + 1), flush=True)
        for pattern in patterns:
            write_file(pattern.replace("%04d", "%04d" % frame))
sys.exit(0)
"""


def make_fake_nuke(folder: Path, name: str = "Nuke15.1", mode: str = "ok") -> Path:
    """Write the stand-in executable ``folder/name`` and return its path (``calls.json`` lands beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(_SCRIPT.format(python=sys.executable, mode=mode), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def calls(fake: Path) -> list[dict[str, object]]:
    """The recorded invocations of a stand-in (argv, cwd, env), oldest first."""
    path = fake.parent / "calls.json"
    return json.loads(path.read_text()) if path.exists() else []


def make_stub(path: Path) -> Path:
    """An executable that does nothing (for locate tests); parents are created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)
    return path


__all__ = ["calls", "make_fake_nuke", "make_stub"]
