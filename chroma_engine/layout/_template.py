"""The five-stage project layout (the seed workflow's folder tree) and its per-stage READMEs.

The repository's own ``pipeline/`` folder is this template written out; a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageFolder:
    """One stage folder: its name under ``pipeline/``, the engine stage it holds, and its README."""

    folder: str
    stage: str
    title: str
    readme: str


STAGE_FOLDERS: tuple[StageFolder, ...] = (
    StageFolder(
        "01_dataset_curation",
        "curation",
        "Dataset curation",
        "Training pairs (SOURCE scan frame + REF reference frame) chosen for the shot: explicit frames from\n"
        "the job, or 4 spread over the shot (7 and 11 when asked). Each candidate is scored (sharpness,\n"
        "exposure, alignment confidence, distance from cuts and fades); `<shot>/curation.json` records the\n"
        "accepted and rejected pairs with reasons, the held-out preview frame and the temporal sync\n"
        "(reference frame offset, 24/25 cadence). Nuke: Read -> FrameRange -> FrameHold per pair ->\n"
        "AppendClip -> PostageStamp.\n",
    ),
    StageFolder(
        "02_alignment",
        "alignment",
        "Alignment and crop",
        "The reference registered onto the scan on luma structure (like F_Align), or the manual transform\n"
        "when registration scores under the job's threshold (the seed graph's Dissolve 0/1 switch).\n"
        "One linked crop for scan and reference: black borders, film edge, burned-in subtitles excluded per\n"
        "frame. `<shot>/alignment.json` holds the matrix, the Nuke Transform knobs and the crop keys;\n"
        "QC/ holds difference images.\n",
    ),
    StageFolder(
        "03_copycat_training",
        "training",
        "Training",
        "Ground truth = scan luma + median-cleaned reference chroma (Y'CbCr), clamped 0-1, no alpha. The\n"
        "model predicts chroma only; checkpoints (resumable), contact sheets, loss curve, the TorchScript\n"
        "model (Nuke CatFileCreator contract) and, with Nuke, the CopyCat `.cat` live in `<shot>/`.\n",
    ),
    StageFolder(
        "04_inference_render",
        "inference",
        "Inference render",
        "The whole shot restored: scan luma + predicted chroma, converted to ACES2065-1, written as EXR\n"
        "half DWAA to `<shot>/v###/[PROJECT]_ML_####.exr` with a RenderManifest written last. Versions\n"
        "are never overwritten.\n",
    ),
    StageFolder(
        "05_matchgrade_render",
        "matchgrade",
        "MatchGrade baseline",
        "A 3D LUT fitted on the same training pairs in log space (linear -> log -> LUT -> log -> linear),\n"
        "applied to the whole shot (V3 in Resolve) and saved as a `.cube` usable in Resolve and Nuke.\n",
    ),
)

EXTRA_FOLDERS = ("nuke_base", "DOCS", "notes", "jobs/incoming", "jobs/running", "jobs/done", "jobs/failed")

EXPERIMENTS_HEADER = (
    "# Experiments\n\n"
    "One line per run, appended by chroma-recovery: date, shot, stage, backend, key metrics.\n\n"
)


def stage_readme(stage: StageFolder) -> str:
    """README text of one stage folder."""
    return f"# {stage.folder}: {stage.title}\n\n{stage.readme}\nQC/ holds dated quality-control output.\n"


def pipeline_readme() -> str:
    """README of the ``pipeline/`` folder itself."""
    lines = ["# pipeline/: the five-stage project layout\n", ""]
    lines.append("`chroma-recovery init PROJECT_DIR` writes this tree. Stages in order:\n")
    lines += [f"- `{s.folder}/`: {s.title} (engine stage `{s.stage}`)" for s in STAGE_FOLDERS]
    lines += [
        "",
        "`logs/<shot>/` holds one log per run (`<shot>_<YYYYmmdd-HHMMSS>-<pid>_run.log`, `_nuke.log` for the",
        "Nuke backend, `_nk-build.log`): the timestamped lines the console showed, stage start and end",
        "with durations and progress with ETAs. Nuke's own output is beside each script",
        "(`0N_<stage>/<shot>/nuke/*.log`).",
    ]
    return "\n".join(lines) + "\n"
