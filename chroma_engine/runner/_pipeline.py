"""A three-stage frame pipeline: read ahead in threads, process in the caller's thread, write behind.

OpenImageIO releases the GIL while it decodes and encodes EXRs, so reads and writes of other frames
overlap the model's work on the GPU (or CPU). Frames are processed in order; at most ``depth`` frames
are read ahead and at most ``depth`` writes are in flight, which bounds memory at 2K/4K.
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
) -> None:
    """Read, process and write every frame; exceptions from any stage are re-raised here."""
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
