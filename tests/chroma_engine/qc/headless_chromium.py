"""A small DevTools-protocol client for Debian's headless Chromium, over a pipe (no extra package).

Chromium started with ``--remote-debugging-pipe`` reads protocol messages from file descriptor 3 and
writes to 4, each JSON message ended by a NUL byte. :class:`Chromium` starts the browser with a fresh
profile and every background service off, opens one page, and offers what the QC page tests need:
navigate, evaluate, real mouse input, screenshots, and the list of every request the page made.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--force-color-profile=srgb",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


def chromium_executable() -> str | None:
    """Debian's ``chromium`` (or another Chromium/Chrome on PATH), None when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, executable: str, width: int = 1280, height: int = 1000) -> None:
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_pipes() -> None:  # in the child, before exec: the pipes become fds 3 and 4
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            preexec_fn=wire_pipes,
            pass_fds=(3, 4),  # kept open through exec (they are the pipes once wire_pipes ran)
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.page(f"{domain}.enable")
        self.page(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- protocol ---------------------------------------------------------------------------------
    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        """Send one command and return its result; events that arrive meanwhile are kept in ``events``."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def page(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.call(method, params, self.session)

    def wait_for(self, event: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        while True:
            message = self._receive(deadline)
            self.events.append(message)
            if message.get("method") == event:
                return message

    # -- what the tests use -----------------------------------------------------------------------
    def open(self, path: Path) -> str:
        """Load a local file and wait for its load event; returns its URL."""
        url = path.resolve().as_uri()
        self.events.clear()
        self.page("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        return url

    def evaluate(self, expression: str) -> Any:
        result = self.page("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def box(self, selector: str) -> dict[str, float]:
        """The page-coordinates box (x, y, width, height) of the first element matching ``selector``."""
        return self.evaluate(
            f"(() => {{const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            "return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height};})()"
        )

    def scroll_into_view(self, selector: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).scrollIntoView({{block: 'center'}})")

    def viewport_box(self, selector: str) -> dict[str, float]:
        """Like :meth:`box` but in viewport coordinates (where mouse events land)."""
        return self.evaluate(
            f"(() => {{const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            "return {x: r.left, y: r.top, width: r.width, height: r.height};})()"
        )

    def mouse(self, kind: str, x: float, y: float, buttons: int = 1) -> None:
        """A real mouse event at viewport (x, y): ``mousePressed``, ``mouseMoved`` or ``mouseReleased``."""
        params = {"type": kind, "x": x, "y": y, "button": "left", "buttons": buttons, "clickCount": 1}
        self.page("Input.dispatchMouseEvent", params)

    def drag(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        """Press at ``start``, move in ``steps`` to ``end``, release: as a hand would."""
        self.mouse("mousePressed", *start)
        for i in range(1, steps + 1):
            t = i / steps
            self.mouse("mouseMoved", start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1]))
        self.mouse("mouseReleased", *end, buttons=0)

    def click(self, selector: str) -> None:
        self.scroll_into_view(selector)
        box = self.viewport_box(selector)
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.mouse("mousePressed", *centre)
        self.mouse("mouseReleased", *centre, buttons=0)

    def screenshot(self, box: dict[str, float] | None = None) -> np.ndarray:
        """RGB uint8 screenshot of a page-coordinates box (the viewport when None)."""
        params: dict[str, Any] = {"format": "png"}
        if box is not None:
            params["clip"] = {**box, "scale": 1}
            params["captureBeyondViewport"] = True
        data = base64.b64decode(self.page("Page.captureScreenshot", params)["data"])
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def requested_urls(self) -> list[str]:
        """Every URL the page fetched since it was opened (``data:`` included; blocked ones left out)."""
        blocked = {
            e["params"]["requestId"]
            for e in self._events("Network.loadingFailed")
            if e["params"].get("blockedReason")
        }
        return [
            e["params"]["request"]["url"]
            for e in self._events("Network.requestWillBeSent")
            if e["params"]["requestId"] not in blocked
        ]

    def blocked_urls(self) -> dict[str, str]:
        """URL -> why the browser refused to fetch it (``csp``: the page's Content-Security-Policy)."""
        reasons = {
            e["params"]["requestId"]: e["params"]["blockedReason"]
            for e in self._events("Network.loadingFailed")
            if e["params"].get("blockedReason")
        }
        return {
            e["params"]["request"]["url"]: reasons[e["params"]["requestId"]]
            for e in self._events("Network.requestWillBeSent")
            if e["params"]["requestId"] in reasons
        }

    def _events(self, method: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("method") == method]

    def problems(self) -> list[str]:
        """Script exceptions and console errors (a blocked resource shows up here too)."""
        found = []
        for e in self.events:
            if e.get("method") == "Runtime.exceptionThrown":
                found.append(json.dumps(e["params"]["exceptionDetails"])[:300])
            elif e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                found.append(e["params"]["entry"]["text"])
            elif e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                found.append(str(e["params"]["args"])[:300])
        return found
