#!/usr/bin/env bash
# The GPU targets with the job's default settings, in one call on one GPU (about 8 minutes on an H100
# host with 16 cores), every record written into $OUT (default bench_results):
#   gpu_defaults.json/.md  time to quality of the 4-pair 2K shot, model alone at 2048x1556 as
#                          inference "auto" runs it, end to end against EXR read+write (best of
#                          alternating passes), held-out dE00 of auto against float32;
#   reel_gpu.json/.md      a small reel of 2K shots through submit + one watch worker per GPU.
# Usage: OUT=/path bash scripts/gpu_defaults.sh   (PYTHON, STEPS, SHOTS, REEL_FRAMES, REEL_STEPS to change;
# BUDGET: seconds for the whole call, the reel gets what is left of it and is stopped at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
OUT=${OUT:-bench_results}
STEPS=${STEPS:-2000}
SHOTS=${SHOTS:-4}
REEL_FRAMES=${REEL_FRAMES:-24}
REEL_STEPS=${REEL_STEPS:-300}
BUDGET=${BUDGET:-530}
STARTED=$SECONDS
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
stamp() { date '+%Y-%m-%d %H:%M:%S'; }
echo "$(stamp) gpu_defaults: time to quality ($STEPS steps), model alone, end to end"
"$PYTHON" -m chroma_engine.bench.gpu_defaults --out "$OUT" --work "$WORK/defaults" --steps "$STEPS" \
  --frames 64 --passes 3 2>&1 | tee "$OUT/gpu_defaults.log"
rm -rf "$WORK/defaults"
LEFT=$((BUDGET - (SECONDS - STARTED) - 10))
if [ "$LEFT" -lt 60 ]; then echo "$(stamp) no time left for the reel (${LEFT}s)"; exit 0; fi
echo "$(stamp) reel: $SHOTS shots of $REEL_FRAMES frames at 2048x1556, $REEL_STEPS steps each (${LEFT}s left)"
timeout "$LEFT" "$PYTHON" -m chroma_recovery bench reel --out "$OUT" --name reel_gpu --work "$WORK/reel" \
  --shots "$SHOTS" --frames "$REEL_FRAMES" --size 2048x1556 --steps "$REEL_STEPS" --distinct 2 \
  2>&1 | tee "$OUT/reel_gpu.log" || echo "$(stamp) reel did not finish within ${LEFT}s (see reel_gpu.log and worker_*.log)"
cp "$WORK"/reel/logs/*.log "$OUT"/ 2>/dev/null || true
echo "$(stamp) done"
