"""A frame pipeline: read, process and write frames with I/O overlapping the model's work.

OpenImageIO releases the GIL while it decodes and encodes EXRs, so reads and writes of other frames
overlap the model's work on the GPU (or CPU). ``ordered=True`` processes frames in order in the
caller's thread (read ahead, write behind); ``ordered=False`` runs read -> process -> write for each
frame in the worker threads, which keeps every core busy when encoding dominates (PyTorch inference is
thread-safe). Either way at most ``depth`` frames are in flight, which bounds memory at 2K/4K.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


def run_pipeline(
    frames: Sequence[int],
    read: Callable[[int], T],
    process: Callable[[int, T], U],
    write: Callable[[int, U], object],
    workers: int = 4,
    depth: int = 4,
    on_frame: Callable[[int, int], None] | None = None,
    ordered: bool = True,
) -> None:
    """Read, process and write every frame; exceptions from any stage are re-raised here.

    OpenImageIO keeps its own thread pools (measured on a 16-core H100 host: forcing one OIIO thread
    per frame worker dropped EXR read+convert+write from 6.2 to 1.1 frames/s at 2K).
    """
    if workers > 0 and not ordered:
        _run_unordered(frames, read, process, write, workers, max(depth, workers), on_frame)
        return
    if workers <= 0:
        for index, frame in enumerate(frames):
            write(frame, process(frame, read(frame)))
            if on_frame:
                on_frame(index + 1, len(frames))
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="frame-io") as pool:
        pending_reads: deque[tuple[int, Future[T]]] = deque()
        pending_writes: deque[Future[object]] = deque()
        upcoming: Iterable[int] = iter(frames)

        def refill() -> None:
            while len(pending_reads) < depth:
                frame = next(upcoming, None)  # type: ignore[call-overload]
                if frame is None:
                    return
                pending_reads.append((frame, pool.submit(read, frame)))

        refill()
        done = 0
        while pending_reads:
            frame, future = pending_reads.popleft()
            refill()
            result = process(frame, future.result())
            pending_writes.append(pool.submit(write, frame, result))
            while len(pending_writes) > depth:
                pending_writes.popleft().result()
            done += 1
            if on_frame:
                on_frame(done, len(frames))
        for write_future in pending_writes:
            write_future.result()


def _run_unordered(
    frames: Sequence[int],
    read: Callable[[int], T],
    process: Callable[[int, T], U],
    write: Callable[[int, U], object],
    workers: int,
    depth: int,
    on_frame: Callable[[int, int], None] | None,
) -> None:
    def one(frame: int) -> None:
        write(frame, process(frame, read(frame)))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="frame") as pool:
        in_flight: deque[Future[None]] = deque()
        done = 0
        for frame in frames:
            in_flight.append(pool.submit(one, frame))
            if len(in_flight) >= depth:
                in_flight.popleft().result()
                done += 1
                if on_frame:
                    on_frame(done, len(frames))
        while in_flight:
            in_flight.popleft().result()
            done += 1
            if on_frame:
                on_frame(done, len(frames))
