"""The Markdown of ``bench quality``'s record: groups, ratios with intervals, ablations, per-seed tables."""

from __future__ import annotations

from typing import Any

from ._record import markdown_table

#: Method columns of the tables, in order, with their headings.
METHODS: tuple[tuple[str, str], ...] = (
    ("nuke_lut", "Nuke-style LUT"),
    ("matched_lut", "matched LUT"),
    ("start", "start (no network)"),
    ("ml", "ML"),
    ("no_temporal", "no temporal"),
    ("no_positional_grid", "no grid"),
    ("no_blur_refit", "no refit"),
    ("oracle", "ML on TRUTH"),
)
MAIN_RATIOS = ("ml / nuke_lut", "ml / matched_lut", "matched_lut / nuke_lut", "ml / start (network)")
ABLATION_RATIOS = ("no_network / ml", "no_temporal / ml", "no_positional_grid / ml", "no_blur_refit / ml")


def _ci(ratio: dict[str, Any] | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio['value']:.3f} [{ratio['low']:.3f}, {ratio['high']:.3f}]"


def _find(group: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((r for r in group["ratios"] if r["name"] == name), None)


def _mean(group: dict[str, Any], method: str) -> object:
    value = group["mean_de00"].get(method)
    return "-" if value is None else value


def protocol_markdown(record: dict[str, Any]) -> str:
    """The whole report: protocol, summary per group, ablations, targets, per-seed tables, timing."""
    config, groups = record["config"], record["groups"]
    lines = [
        f"# {'quality_tune' if record.get('smoothness_means') is not None else 'quality'} (test protocol)",
        "",
        f"Machine: {record['machine']}",
        "",
        f"Shots {config['frames']} frames {config['size'][0]}x{config['size'][1]}, "
        f"{config['pairs']} training pairs, {config['steps']} steps, device {config['device']}; "
        f"seeds {record['seeds_used']} "
        f"({'test' if record['seeds_are_test_seeds'] else 'tune/other'} seeds; tune seeds "
        f"{record['tune_seeds']}); held-out frames: {record['held_out_rule']}. Mean held-out dE00 against "
        "TRUTH; LUTs on their chroma over the scan's luma. Ratios are ratios of means over the seeds with a "
        "95 % paired bootstrap interval over the seeds. Elapsed "
        f"{record.get('elapsed_s', 0):.0f} s with {record['workers']} worker processes"
        + (f" (budget {record['budget_s']:.0f} s)." if record.get("budget_s") else "."),
        "",
    ]
    found = {k for g in groups.values() for k in g["mean_de00"]}
    present = [(k, h) for k, h in METHODS if k in found] + [
        (k, k) for k in sorted(found - dict(METHODS).keys())
    ]
    rows = [[g, s["ok"], *[_mean(s, k) for k, _ in present]] for g, s in groups.items()]
    lines += ["## Mean held-out dE00", "", markdown_table(["group", "seeds", *[h for _, h in present]], rows)]
    rows = [[g, *[_ci(_find(s, r)) for r in MAIN_RATIOS]] for g, s in groups.items()]
    lines += ["## Ratios (below 1: the first is better)", "", markdown_table(["group", *MAIN_RATIOS], rows)]
    rows = [
        [g, *[_ci(_find(s, r)) for r in ABLATION_RATIOS]]
        for g, s in groups.items()
        if _find(s, ABLATION_RATIOS[1])
    ]
    if rows:
        lines += [
            "## Ablations (the model without a part / the full model; above 1 the part helps, and it earns "
            "its place when the interval's lower end is above 1)",
            "",
            markdown_table(["group", *ABLATION_RATIOS], rows),
        ]
    oracle = [[g, _ci(_find(s, "oracle / ml"))] for g, s in groups.items() if _find(s, "oracle / ml")]
    if oracle:
        lines += [
            "## The same model trained on TRUTH (the ceiling)",
            "",
            markdown_table(["group", "oracle / ml"], oracle),
        ]
    rows = [
        [g, s["ml_luma_max_abs_dY"], str(s["ml_grain_range"]), s["min_held_out_distance"]]
        for g, s in groups.items()
    ]
    lines += [
        "## Luma identity, grain, held-out distance",
        "",
        markdown_table(
            ["group", "ML max |dY'|", "ML grain NPS out/scan (min, max)", "min frames to a training frame"],
            rows,
        ),
    ]
    if record.get("targets"):
        rows = [[k, "-" if v is None else ("met" if v else "MISSED")] for k, v in record["targets"].items()]
        lines += ["## Targets (test seeds only)", "", markdown_table(["target", "result"], rows)]
    lines += _per_seed(record, present)
    return "\n".join(lines) + "\n"


def _per_seed(record: dict[str, Any], present: list[tuple[str, str]]) -> list[str]:
    lines = ["## Per seed", ""]
    for group in record["groups"]:
        shots = sorted((s for s in record["shots"] if s["group"] == group), key=lambda s: s["seed"])
        rows = []
        for shot in shots:
            if shot.get("status") != "ok":
                rows.append([shot["seed"], shot.get("status"), *["-"] * len(present), "-", "-"])
                continue
            held = shot["held_out"]
            values = [shot["methods"].get(k, {}).get("de00", "-") for k, _ in present]
            rows.append(
                [
                    shot["seed"],
                    f"{len(held['frames'])} (>= {held['min_distance']})",
                    *values,
                    shot["cpu_s"],
                    shot["wall_s"],
                ]
            )
        head = ["seed", "held-out frames (min distance)", *[h for _, h in present], "cpu s", "wall s"]
        lines += [f"### {group}", "", markdown_table(head, rows)]
    return lines


def tune_markdown(record: dict[str, Any]) -> str:
    """The ``--tune`` report: mean held-out dE00 of the matched LUT per smoothness and of the model per
    learning rate (against its start), and the choices."""
    smooth = [[k, v] for k, v in record["smoothness_means"].items()]
    rates = [[k, v] for k, v in record["learning_rate_means"].items()]
    text = protocol_markdown(record).split("## Per seed")[0].split("\n", 1)[1]
    return (
        f"# quality_tune: choices on the tune seeds {record['seeds_used']} only\n\n"
        + markdown_table(["matched LUT smoothness", "mean held-out dE00"], smooth)
        + f"\nChosen smoothness: {record['chosen_smoothness']} (lowest mean).\n\n"
        + markdown_table(["network learning rate", "mean held-out dE00 (ML)"], rates)
        + f"\nThe model's start (no network): {record['start_mean']}. Chosen learning rate: "
        + f"{record['chosen_learning_rate']} (lowest mean).\n\n"
        + text
    )
