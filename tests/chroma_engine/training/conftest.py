"""Training tests run torch on one thread: tiny models gain nothing from intra-op threads, and on a
shared, oversubscribed 2-core machine OpenMP spin-waiting made 2 threads ~10x slower than 1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
