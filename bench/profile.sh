#!/usr/bin/env bash
# Where one imported benchmark model spends its time, per node, in Walnut (compiled,
# reduce-overhead, dev.walnut.profiler.Profiler) and in ONNX Runtime (its session profiler), on the
# same file, input and threads. Needs the models bench/run.sh --only onnx exports and the bench jar.
#
#   bench/profile.sh MODEL BATCH [CALLS]     # MODEL: resnet18, mobilenet_v2 or transformer
#
# Environment: WALNUT_THREADS (default 2), JAVA (default java).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { sed -n 2,8p "$0" >&2; exit 2; }
model=$1 batch=$2 calls=${3:-50}
jar=walnut-bench/target/walnut-bench.jar
onnx_dir=$PWD/walnut-bench/target/onnx-models
[[ -f $jar ]] || { echo "profile.sh: $jar not found; build it (mvn -B -pl walnut-bench -am package -DskipTests)" >&2; exit 1; }
[[ -d $onnx_dir ]] || { echo "profile.sh: no models in $onnx_dir; run bench/run.sh --only onnx once" >&2; exit 1; }
out=$(mktemp -d)
# ONNX Runtime writes under $HOME even offline.
HOME=$out "${JAVA:-java}" --add-modules jdk.incubator.vector -XX:+UseTransparentHugePages \
    -Dwalnut.threads="${WALNUT_THREADS:-2}" -Dwalnut.bench.onnx="$onnx_dir" \
    -cp "$jar" dev.walnut.bench.NodeProfile "$model" "$batch" "$calls" "$out/ort" 2>&1 \
    | grep -v '^WARNING: Using incubator modules' | tee "$out/walnut.txt"
line=$(grep '^ORT profile (skip ' "$out/walnut.txt")
skip=$(sed -E 's/^ORT profile \(skip ([0-9]+) runs\): .*/\1/' <<<"$line")
json=${line#*: }
python3 bench/ort_profile.py "$json" "$skip"
