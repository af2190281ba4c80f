"""Training (stage 03) and inference of the per-shot chroma model.

Ground truth = the scan's Y' + the median-cleaned reference's CbCr; the model (``ChromaNet``) sees
the scan's R'G'B' and predicts CbCr only; every output is the scan's own Y' recombined with it.
"""

from ._bench import gpu_bench
from ._checkpoints import (
    LoadedCheckpoint,
    checkpoint_path,
    load_checkpoint,
    newest_checkpoint,
    save_checkpoint,
)
from ._distributed import DistributedContext, init_distributed
from ._inference import export_torchscript, load_model, restore_frame, restore_frame_with_aces
from ._median import bench_median, median_accuracy, median_clean
from ._model import MODEL_SIZES, RECEPTIVE_RADIUS, ChromaNet, build_model, parameter_count
from ._precision import HALF_STEP, InferencePlan, PrecisionTrial, plan_inference
from ._recipe import ABLATABLE, CLOSED_FORM_START, FULL_MODEL, LUT_INIT_SMOOTHNESS, ModelRecipe
from ._train import TrainingResult, train
from ._truth import (
    BLOWN_LEVEL,
    FLAT_KEEP,
    TrainingPair,
    blown_highlights,
    flat_mask,
    gamut_fit_chroma,
    ground_truth,
    reference_pair,
)

__all__ = [
    "ABLATABLE",
    "BLOWN_LEVEL",
    "CLOSED_FORM_START",
    "ChromaNet",
    "DistributedContext",
    "FLAT_KEEP",
    "FULL_MODEL",
    "HALF_STEP",
    "InferencePlan",
    "LUT_INIT_SMOOTHNESS",
    "LoadedCheckpoint",
    "MODEL_SIZES",
    "ModelRecipe",
    "PrecisionTrial",
    "RECEPTIVE_RADIUS",
    "TrainingPair",
    "TrainingResult",
    "bench_median",
    "blown_highlights",
    "build_model",
    "checkpoint_path",
    "export_torchscript",
    "flat_mask",
    "gamut_fit_chroma",
    "gpu_bench",
    "ground_truth",
    "init_distributed",
    "load_checkpoint",
    "load_model",
    "median_accuracy",
    "median_clean",
    "newest_checkpoint",
    "parameter_count",
    "plan_inference",
    "reference_pair",
    "restore_frame",
    "restore_frame_with_aces",
    "save_checkpoint",
    "train",
]
