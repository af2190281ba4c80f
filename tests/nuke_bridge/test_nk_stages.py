"""Stage builders: each script parses back to the intended graph (classes, knobs, connections)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuke_bridge import (
    NUKE_OCIO_CONFIG,
    Curve,
    Graph,
    StageInputError,
    array,
    build_alignment,
    build_all,
    build_curation,
    build_inference,
    build_matchgrade,
    build_training,
    nuke_colourspace,
    parse_nk,
    write_nk,
)
from tests.nuke_bridge.nkjobs import make_alignment, make_curation, make_job

ROOT = "/proj/my film"
F_ALIGN = "OFXuk.co.thefoundry.furnace.f_align_v403"


def _parsed(graph: Graph) -> Graph:
    """Write, parse back, and check the parsed graph equals the built one node for node."""
    text = write_nk(graph)
    back = parse_nk(text)
    assert {n.name: n for n in back} == {n.name: n for n in graph}
    assert len(back.nodes) == len(graph.nodes)
    assert back.root == graph.root
    assert write_nk(back) == text
    return back


def _wiring(graph: Graph) -> dict[str, tuple[str, list[str | None]]]:
    return {n.name: (n.cls, n.inputs) for n in graph if n.cls != "BackdropNode"}


def test_curation_from_job_frames() -> None:
    job = make_job(ROOT)
    g = _parsed(build_curation(job))
    holds_src = ["FrameHold_SOURCE_1", "FrameHold_SOURCE_2", "FrameHold_SOURCE_3"]
    holds_ref = ["FrameHold_REF_1", "FrameHold_REF_2", "FrameHold_REF_3"]
    expected = {
        "Read_SOURCE": ("Read", []),
        "FrameRange_SOURCE": ("FrameRange", ["Read_SOURCE"]),
        **{h: ("FrameHold", ["FrameRange_SOURCE"]) for h in holds_src},
        "Read_REF": ("Read", []),
        "FrameRange_REF": ("FrameRange", ["Read_REF"]),
        **{h: ("FrameHold", ["FrameRange_REF"]) for h in holds_ref},
        "AppendClip_SOURCE": ("AppendClip", holds_src),
        "AppendClip_REF": ("AppendClip", holds_ref),
        "Write_SOURCE_PAIRS": ("Write", ["AppendClip_SOURCE"]),
        "Write_REF_PAIRS": ("Write", ["AppendClip_REF"]),
        "AppendClip_MONITOR": (
            "AppendClip",
            [h for pair in zip(holds_src, holds_ref, strict=True) for h in pair],
        ),
        "PostageStamp_MONITOR": ("PostageStamp", ["AppendClip_MONITOR"]),
    }
    assert _wiring(g) == expected
    assert [g[h]["firstFrame"] for h in holds_src] == [1010, 1050, 1090]
    assert [g[h]["firstFrame"] for h in holds_ref] == [1012, 1052, 1092]  # reference_offset +2
    assert g["FrameRange_SOURCE"].knobs == {"first_frame": 1, "last_frame": 1}
    assert g["AppendClip_SOURCE"].knobs == {"firstFrame": 1, "lastFrame": 3}
    assert g["Read_SOURCE"]["file"] == "/proj/my film/media/FILM_SOURCE_####.exr"
    assert g["Read_SOURCE"]["colorspace"] == "Gamma 2.4 Rec.709 - Texture"
    assert (g["Read_SOURCE"]["first"], g["Read_SOURCE"]["last"]) == (1001, 1100)
    write = g["Write_REF_PAIRS"].knobs
    assert write["file"] == "/proj/my film/pipeline/01_dataset_curation/sh010/v001/sh010_pairs_REF_####.exr"
    assert (write["file_type"], write["datatype"], write["first"], write["last"]) == (
        "exr",
        "16 bit half",
        1,
        3,
    )
    assert write["create_directories"] is True
    root = g.root
    assert root is not None
    assert (root["first_frame"], root["last_frame"], root["fps"]) == (1, 3, 24.0)
    assert root["colorManagement"] == "OCIO" and root["OCIO_config"] == NUKE_OCIO_CONFIG
    assert root["workingSpaceLUT"] == "ACEScg"
    assert root["format"] == "1920 1080 0 0 1920 1080 1 sh010_1920x1080"
    backdrop = g.by_class("BackdropNode")[0]
    assert "01 dataset curation" in str(backdrop["label"])
    placed = [n for n in g if n.cls != "BackdropNode"]
    assert len({(n.xpos, n.ypos) for n in placed}) == len(placed)  # no two nodes on one spot
    for node in placed:
        assert backdrop.xpos is not None and node.xpos is not None and node.ypos is not None
        assert backdrop.xpos <= node.xpos <= backdrop.xpos + int(backdrop["bdwidth"])  # type: ignore[arg-type]


def test_curation_prefers_balanced_and_record() -> None:
    job = make_job(
        ROOT,
        media={
            "source": {"path": "media/FILM_SOURCE_####.exr", "first_frame": 1001, "last_frame": 1100},
            "reference": {"path": "media/FILM_REF_####.exr", "first_frame": 1001, "last_frame": 1100},
            "balanced": {"path": "media/FILM_BAL_####.exr", "first_frame": 1001, "last_frame": 1100},
        },
    )
    g = _parsed(build_curation(job, make_curation()))
    assert g["Read_SOURCE"]["file"] == "/proj/my film/media/FILM_BAL_####.exr"
    assert [g[f"FrameHold_SOURCE_{i}"]["firstFrame"] for i in (1, 2)] == [1020, 1060]
    # 1020 -> offset 3; 1060 has an explicit pair decision -> 1065
    assert [g[f"FrameHold_REF_{i}"]["firstFrame"] for i in (1, 2)] == [1023, 1065]


def test_alignment_auto_path_without_record() -> None:
    job = make_job(ROOT, crop={"mode": "box", "box": {"x": 10, "y": 20, "r": 1900, "t": 1060}})
    g = _parsed(build_alignment(job))
    assert _wiring(g) == {
        "Read_SOURCE_PAIRS": ("Read", []),
        "Read_REF_PAIRS": ("Read", []),
        "F_Align_REF": (F_ALIGN, ["Read_REF_PAIRS", "Read_SOURCE_PAIRS"]),
        "Transform_REF_MANUAL": ("Transform", ["Read_REF_PAIRS"]),
        "Dissolve_PATH": ("Dissolve", ["F_Align_REF", "Transform_REF_MANUAL"]),
        "Merge_QC_DIFFERENCE": ("Merge2", ["Read_SOURCE_PAIRS", "Dissolve_PATH"]),
        "Crop_SOURCE": ("Crop", ["Read_SOURCE_PAIRS"]),
        "Crop_REF": ("Crop", ["Dissolve_PATH"]),
        "Write_SOURCE_ALIGNED": ("Write", ["Crop_SOURCE"]),
        "Write_REF_ALIGNED": ("Write", ["Crop_REF"]),
    }
    assert g["Dissolve_PATH"]["which"] == 0
    fa = g["F_Align_REF"].knobs
    assert (fa["scale"], fa["rotate"], fa["translate"], fa["perspective"]) == (True, True, True, False)
    assert (fa["regionBL"], fa["regionTR"]) == (array(10, 20), array(1900, 1060))
    assert g["Transform_REF_MANUAL"]["center"] == array(960.0, 540.0)  # identity about the centre
    assert (
        g["Crop_SOURCE"].knobs
        == g["Crop_REF"].knobs
        == {"box": array(10, 20, 1900, 1060), "reformat": False, "crop": True}
    )
    assert g["Merge_QC_DIFFERENCE"]["operation"] == "difference"
    assert (
        g["Read_REF_PAIRS"]["file"]
        == "/proj/my film/pipeline/01_dataset_curation/sh010/v001/sh010_pairs_REF_####.exr"
    )
    assert (
        g["Write_REF_ALIGNED"]["file"]
        == "/proj/my film/pipeline/02_alignment/sh010/v001/sh010_aligned_REF_####.exr"
    )


def test_alignment_record_fallback_and_subtitle_keys() -> None:
    job = make_job(ROOT)
    g = _parsed(build_alignment(job, make_curation(), make_alignment()))
    assert g["Dissolve_PATH"]["which"] == 1  # the engine fell back to the manual transform
    t = g["Transform_REF_MANUAL"].knobs
    assert (t["translate"], t["rotate"], t["scale"], t["center"]) == (
        array(3.5, 2.0),
        0.25,
        1.01,
        array(1024.0, 576.0),
    )
    assert g["F_Align_REF"]["perspective"] is True
    # pairs 1020 (clip frame 1) and 1060 (clip frame 2, subtitle key): bottom y steps 40 -> 200
    box = array(
        Curve.step({1: 64}), Curve.step({1: 40, 2: 200}), Curve.step({1: 1984}), Curve.step({1: 1100})
    )
    assert g["Crop_SOURCE"]["box"] == box and g["Crop_REF"]["box"] == box
    assert "{{curve K x1 64} {curve K x1 40 x2 200}" in write_nk(g)
    assert g.root is not None and g.root["format"] == "2048 1152 0 0 2048 1152 1 sh010_2048x1152"


def test_training_graph() -> None:
    job = make_job(ROOT, training={"batch_size": 4, "patch_size": 256, "steps": 48000, "model_size": "large"})
    g = _parsed(build_training(job))
    assert _wiring(g) == {
        "Read_SOURCE_ALIGNED": ("Read", []),
        "Read_REF_ALIGNED": ("Read", []),
        "Median_REF": ("Median", ["Read_REF_ALIGNED"]),
        "Colorspace_REF_toYCbCr": ("Colorspace", ["Median_REF"]),
        "Colorspace_SOURCE_toYCbCr": ("Colorspace", ["Read_SOURCE_ALIGNED"]),
        "Copy_Y_from_SOURCE": ("Copy", ["Colorspace_REF_toYCbCr", "Colorspace_SOURCE_toYCbCr"]),
        "Colorspace_GT_toLinear": ("Colorspace", ["Copy_Y_from_SOURCE"]),
        "Grade_GT": ("Grade", ["Colorspace_GT_toLinear"]),
        "Remove_GT": ("Remove", ["Grade_GT"]),
        "Colorspace_SOURCE_toLinear": ("Colorspace", ["Colorspace_SOURCE_toYCbCr"]),
        "Grade_SOURCE": ("Grade", ["Colorspace_SOURCE_toLinear"]),
        "Remove_SOURCE": ("Remove", ["Grade_SOURCE"]),
        "CopyBBox_SOURCE": ("CopyBBox", ["Remove_SOURCE", "Colorspace_REF_toYCbCr"]),
        "Read_SOURCE_PREVIEW": ("Read", []),
        "FrameHold_PREVIEW": ("FrameHold", ["Read_SOURCE_PREVIEW"]),
        "CopyCat1": ("CopyCat", ["CopyBBox_SOURCE", "Remove_GT", "FrameHold_PREVIEW"]),
    }
    assert g["Median_REF"]["size"] == 10
    assert g["Colorspace_REF_toYCbCr"].knobs == {"colorspace_in": "linear", "colorspace_out": "YCbCr"}
    assert g["Colorspace_GT_toLinear"].knobs == {"colorspace_in": "YCbCr", "colorspace_out": "linear"}
    assert g["Copy_Y_from_SOURCE"].knobs == {"from0": "rgba.red", "to0": "rgba.red"}
    assert g["Grade_GT"].knobs == {"black_clamp": True, "white_clamp": True}
    assert g["Remove_GT"].knobs == {"operation": "remove", "channels": "alpha"}
    assert g["FrameHold_PREVIEW"]["firstFrame"] == 1070
    assert g["CopyCat1"].knobs == {
        "dataDirectory": "/proj/my film/pipeline/03_copycat_training/sh010/v001/copycat",
        "epochs": 48000,
        "batchSizeType": "Manual",
        "batchSize": 4,
        "cropSize": 256,
        "modelSize": "Large",
        "checkpointInterval": 10000,
        "imageInterval": 100,
        "useGPUIfAvailable": True,
        "initialWeights": "None",
    }


def test_training_without_median_and_default_preview() -> None:
    job = make_job(
        ROOT, reference_cleanup={"median_size": 0}, curation={"frames": [1001, 1002], "preview_frame": None}
    )
    g = _parsed(build_training(job))
    assert "Median_REF" not in g
    assert g["Colorspace_REF_toYCbCr"].inputs == ["Read_REF_ALIGNED"]
    preview = g["FrameHold_PREVIEW"]["firstFrame"]
    assert preview not in (1001, 1002) and 1001 <= preview <= 1100  # type: ignore[operator]


def test_inference_graph() -> None:
    job = make_job(ROOT, output={"max_resolution": [1920, 1080]})
    g = _parsed(build_inference(job, alignment=make_alignment()))
    assert _wiring(g) == {
        "Read_SOURCE": ("Read", []),
        "Crop_CLEANUP": ("Crop", ["Read_SOURCE"]),
        "Inference1": ("Inference", ["Crop_CLEANUP"]),
        "Reformat_MAX": ("Reformat", ["Inference1"]),
        "Write_EXR": ("Write", ["Reformat_MAX"]),
    }
    assert g["Crop_CLEANUP"]["box"] == array(32, 16, 2016, 1136)
    assert (
        g["Inference1"]["modelFile"]
        == "/proj/my film/pipeline/03_copycat_training/sh010/v001/model/sh010.cat"
    )
    assert (g["Reformat_MAX"]["box_width"], g["Reformat_MAX"]["box_height"]) == (1920, 1080)
    w = g["Write_EXR"].knobs
    assert w["file"] == "/proj/my film/pipeline/04_inference_render/sh010/v001/FILM_ML_####.exr"
    assert (w["datatype"], w["compression"], w["colorspace"]) == ("16 bit half", "DWAA", "ACES2065-1")
    assert (w["first"], w["last"], w["create_directories"], w["dw_compression_level"]) == (
        1001,
        1100,
        True,
        45.0,
    )
    plain = _parsed(build_inference(make_job(ROOT)))
    assert "Reformat_MAX" not in plain and plain["Write_EXR"].inputs == ["Inference1"]
    assert plain["Crop_CLEANUP"]["box"] == array(0, 0, 1920, 1080)
    assert (plain["Inference1"]["halfPrecision"], plain["Inference1"]["useGPUIfAvailable"]) == (False, True)
    half = _parsed(build_inference(make_job(ROOT, inference={"half_precision": True})))
    assert half["Inference1"]["halfPrecision"] is True  # "Optimize for Speed and Memory" from the job


def test_matchgrade_graph() -> None:
    job = make_job(ROOT, matchgrade={"lut_size": 33})
    g = _parsed(build_matchgrade(job, make_curation()))
    assert _wiring(g) == {
        "Read_SOURCE": ("Read", []),
        "Read_REF": ("Read", []),
        "LogConvert_SOURCE_toLog": ("OCIOLogConvert", ["Read_SOURCE"]),
        "LogConvert_REF_toLog": ("OCIOLogConvert", ["Read_REF"]),
        "MatchGrade1": ("MatchGrade", ["LogConvert_SOURCE_toLog", "LogConvert_REF_toLog"]),
        "LogConvert_toLinear": ("OCIOLogConvert", ["MatchGrade1"]),
        "Write_EXR": ("Write", ["LogConvert_toLinear"]),
    }
    mg = g["MatchGrade1"].knobs
    assert mg["sourceRefFrames"] == Curve(((1020, 1020), (1060, 1060)), "K")
    assert mg["targetRefFrames"] == Curve(((1023, 1023), (1065, 1065)), "K")
    assert (mg["transform"], mg["lutres"], mg["prelut"]) == ("3D LUT", 33, "Logarithmic")
    assert mg["outfile"] == "/proj/my film/pipeline/05_matchgrade_render/sh010/v001/sh010_matchgrade.cube"
    assert g["Write_EXR"]["file"] == "/proj/my film/pipeline/05_matchgrade_render/sh010/v001/FILM_MG_####.exr"
    assert g["LogConvert_toLinear"]["operation"] == "log to lin"


def test_missing_frames_and_disabled_stage_errors() -> None:
    job = make_job(ROOT, curation={"frames": [], "preview_frame": None})
    for builder in (build_curation, build_alignment, build_training, build_matchgrade):
        with pytest.raises(StageInputError, match="curation.frames") as info:
            builder(job)
        assert info.value.field == "curation.frames" and info.value.hint
    assert build_inference(job).by_class("Inference")  # inference needs no training frames
    with pytest.raises(StageInputError, match="matchgrade.enabled"):
        build_matchgrade(make_job(ROOT, matchgrade={"enabled": False}))
    assert "matchgrade" not in build_all(make_job(ROOT, matchgrade={"enabled": False}))


def test_unknown_colour_space_names_the_field() -> None:
    job = make_job(
        ROOT,
        media={
            "source": {"path": "s_####.exr", "first_frame": 1, "last_frame": 100, "colour_space": "Bogus"},
            "reference": {"path": "r_####.exr", "first_frame": 1, "last_frame": 100},
        },
        curation={"frames": [10], "preview_frame": None},
    )
    with pytest.raises(StageInputError, match=r"media.source.colour_space"):
        build_curation(job)


def test_colour_names_exist_in_the_aces13_studio_config() -> None:
    """Names written for Nuke exist in OCIO's built-in copy of the config Nuke bundles."""
    ocio = pytest.importorskip("PyOpenColorIO")
    config = ocio.Config.CreateFromBuiltinConfig("studio-config-v1.0.0_aces-v1.3_ocio-v2.1")
    names = set(config.getColorSpaceNames())
    for engine_name in ("Gamma 2.4 Encoded Rec.709", "ACES2065-1", "ACEScg", "Linear Rec.709 (sRGB)"):
        assert nuke_colourspace(engine_name, "f", "s") in names


def test_determinism_across_builds() -> None:
    job = make_job(ROOT)
    first = {s: write_nk(g) for s, g in build_all(job, make_curation(), make_alignment()).items()}
    second = {s: write_nk(g) for s, g in build_all(job, make_curation(), make_alignment()).items()}
    assert first == second and list(first) == ["curation", "alignment", "training", "inference", "matchgrade"]


def test_paths_with_special_characters_round_trip(tmp_path: Path) -> None:
    job = make_job(str(tmp_path / 'we"ird [dir] {x}'), shot={"name": "sh_010"})
    g = _parsed(build_inference(job))
    assert (
        g["Write_EXR"]["file"]
        == f'{tmp_path}/we"ird [dir] {{x}}/pipeline/04_inference_render/sh_010/v001/FILM_ML_####.exr'
    )
    assert '\\"ird \\[dir\\] \\{x\\}' in write_nk(g)
