"""The processes that train one model together: this one alone, or a ``torchrun`` data-parallel group.

``train`` runs the same loop either way; a ``DistributedContext`` tells it which rank it is and does
the few things that differ:

- each rank samples its own patches (``PatchSampler`` seeded ``training.seed + rank``; rank 0 of one
  process draws exactly the patches a single-process run draws);
- the model is wrapped in ``DistributedDataParallel``, which averages the gradients, so one optimiser
  step sees ``batch_size x world_size`` patches (the EFFECTIVE BATCH grows with the ranks while the
  learning rate and step count stay the job's);
- only rank 0 writes (checkpoints, contact sheets, loss files, exports); checkpoints carry every
  rank's patch generator (``gather``), so a resumed run draws the patches an unbroken one would have.

Backend: NCCL on CUDA (rank r uses ``cuda:LOCAL_RANK``), gloo on CPU (or with ``CHROMA_DDP_CPU=1``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ._model import ChromaNet

#: Set to 1 to train a torchrun group on CPU processes (gloo) even where CUDA is visible.
CPU_ENV = "CHROMA_DDP_CPU"


class _ChromaHead(nn.Module):
    """Routes ``forward`` to ``ChromaNet.chroma`` so DDP's gradient hooks see the training call."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.chroma(x)  # type: ignore[operator]


@dataclass(frozen=True)
class DistributedContext:
    """This process's place among the processes training one model.

    Attributes:
        rank: this process's rank (0 writes every file).
        world_size: how many processes train together.
        device: where this rank trains.
        group: whether a ``torch.distributed`` process group joins the ranks (False: one process).
    """

    rank: int
    world_size: int
    device: torch.device
    group: bool = False

    @classmethod
    def single(cls, device: torch.device) -> DistributedContext:
        """One process training alone on ``device``."""
        return cls(rank=0, world_size=1, device=device)

    @property
    def writes(self) -> bool:
        """Whether this rank writes the run's files (rank 0)."""
        return self.rank == 0

    def forward(self, model: ChromaNet) -> Callable[[torch.Tensor], torch.Tensor]:
        """The training call of ``model`` (its ``chroma``), under DDP when the ranks form a group."""
        if not self.group:
            return model.chroma
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(_ChromaHead(model), device_ids=ids)

    def gather(self, value: Any) -> list[Any]:
        """Every rank's ``value``, in rank order, on every rank."""
        if not self.group:
            return [value]
        import torch.distributed as dist

        values: list[Any] = [None] * self.world_size
        dist.all_gather_object(values, value)
        return values

    def total(self, value: float) -> float:
        """The sum of ``value`` over the ranks."""
        if not self.group:
            return value
        import torch.distributed as dist

        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return float(tensor.item())

    def broadcast(self, value: Any) -> Any:
        """Rank 0's ``value`` on every rank."""
        if not self.group:
            return value
        import torch.distributed as dist

        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def barrier(self) -> None:
        if self.group:
            import torch.distributed as dist

            dist.barrier()

    def close(self) -> None:
        """Leave the process group (every rank, after the last collective call)."""
        if self.group:
            import torch.distributed as dist

            dist.destroy_process_group()


def init_distributed() -> DistributedContext:
    """Join the ``torchrun`` process group of this process (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``)."""
    import torch.distributed as dist

    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    local = int(os.environ.get("LOCAL_RANK", 0))
    cuda = torch.cuda.is_available() and os.environ.get(CPU_ENV) != "1"
    if cuda:
        torch.cuda.set_device(local)
    dist.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=world)
    device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    return DistributedContext(rank=rank, world_size=world, device=device, group=True)
