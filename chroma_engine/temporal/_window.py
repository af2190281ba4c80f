"""``TemporalInput``: read a frame with its neighbours once each and give back (scan, model input).

Render workers ask for frames in about the order of the shot, several at a time. Each frame is read
once into a small shared cache (the ones in flight plus ``2 * radius`` around them) and reused for
its neighbours' means; a frame evicted too early is simply read again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

import numpy as np

from ._mean import coarse_flow, flow_luma, motion_compensated_mean


class _Slot:
    """One frame being read (by the first thread that asked) or read."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.value: np.ndarray | None = None
        self.luma: np.ndarray | None = None  # the flow's luma (``flow_luma``), with a radius > 0
        self.error: BaseException | None = None

    def get(self) -> tuple[np.ndarray, np.ndarray | None]:
        self.ready.wait()
        if self.error is not None:
            raise self.error
        assert self.value is not None
        return self.value, self.luma


class TemporalInput:
    """``frame -> (scan, model input)``: the scan and its motion-compensated mean with up to ``radius``
    frames either side that lie in ``frames`` (the shot), thread-safe.

    Args:
        read: reads one frame (HxWx3(+) display R'G'B'); called once per frame while it stays cached.
        frames: the shot's frame numbers; neighbours outside them are not used (shot boundaries).
        radius: neighbours either side; 0 = the model input is the scan itself.
        in_flight: frames the caller processes at once (sizes the cache).
    """

    def __init__(
        self, read: Callable[[int], np.ndarray], frames: Iterable[int], radius: int, in_flight: int = 1
    ) -> None:
        if radius < 0:
            raise ValueError(f"temporal radius must be >= 0, got {radius}")
        self._read = read
        self._frames = frozenset(frames)
        self.radius = radius
        self._capacity = max(1, in_flight) + 2 * radius + 1
        self._cache: OrderedDict[int, _Slot] = OrderedDict()
        self._lock = threading.Lock()

    def neighbours(self, frame: int) -> list[int]:
        """The frames averaged into ``frame``'s model input, besides itself (nearest first)."""
        out = []
        for step in range(1, self.radius + 1):
            out += [f for f in (frame - step, frame + step) if f in self._frames]
        return out

    def _get(self, frame: int) -> tuple[np.ndarray, np.ndarray | None]:
        with self._lock:
            slot = self._cache.get(frame)
            owner = slot is None
            if slot is None:
                slot = _Slot()
                self._cache[frame] = slot
            self._cache.move_to_end(frame)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        if owner:
            try:
                slot.value = self._read(frame)
                slot.luma = flow_luma(slot.value) if self.radius else None
            except BaseException as exc:
                slot.error = exc
                with self._lock:
                    if self._cache.get(frame) is slot:
                        del self._cache[frame]
                raise
            finally:
                slot.ready.set()
        return slot.get()

    def stack(self, frame: int) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """(scan, neighbour scans, frame -> neighbour flows at the flow's resolution in full-resolution px):
        what the mean is made of, for ``mean_on_device``."""
        scan, centre_luma = self._get(frame)
        neighbours, flows = [], []
        for other in self.neighbours(frame):
            image, luma = self._get(other)
            assert centre_luma is not None and luma is not None
            neighbours.append(image)
            flows.append(coarse_flow(centre_luma, luma, scan.shape[1]))
        return scan, neighbours, flows

    def __call__(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        if self.radius == 0:
            scan = self._get(frame)[0]
            return scan, scan
        scan, neighbours, flows = self.stack(frame)
        return scan, motion_compensated_mean(scan, neighbours, flows)
