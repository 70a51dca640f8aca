#!/usr/bin/env bash
# Benchmarks Walnut's matrix multiply with and without the optional walnut-blas module (OpenBLAS
# through the bytedeco presets), same JMH settings for both: GemmBenchmark.matmul, 2 threads.
#
# Usage: bench/blas.sh [--no-build] [JMH args...]   (default JMH args: -f 1 -wi 3 -i 5 -w 1s -r 1s)
# Prints JMH's summary for each side, then GFLOP/s side by side.
set -euo pipefail

cd "$(dirname "$0")/.."

build=1
if [[ ${1:-} == --no-build ]]; then build=0; shift; fi
jmh_args=("$@")
[[ ${#jmh_args[@]} -gt 0 ]] || jmh_args=(-f 1 -wi 3 -i 5 -w 1s -r 1s)
threads=${BENCH_THREADS:-2}
flags="--add-modules jdk.incubator.vector -Dwalnut.threads=$threads"

if [[ $build == 1 ]]; then
    echo "== building walnut-bench and walnut-blas"
    # walnut-blas's package phase also writes its runtime class path (the bytedeco jars).
    mvn -q -B -pl walnut-bench,walnut-blas -am package -DskipTests
fi
bench_jar=walnut-bench/target/walnut-bench.jar
blas_jar=$(ls walnut-blas/target/walnut-blas-*.jar | grep -v sources | head -1)
deps=$(tr ':' '\n' <walnut-blas/target/classpath.txt | grep -v '/walnut-core' | paste -sd: -)

out=walnut-bench/target
echo "== pure-Java GEMM ($flags)"
java $flags -jar "$bench_jar" 'GemmBenchmark.matmul$' "${jmh_args[@]}" -jvmArgsAppend "$flags" \
    -rf json -rff "$out/gemm-java.json"
echo "== OpenBLAS through walnut-blas"
# The shaded bench jar comes first so its walnut-core classes are the ones loaded.
java $flags -cp "$bench_jar:$blas_jar:$deps" org.openjdk.jmh.Main 'GemmBenchmark.matmul$' "${jmh_args[@]}" \
    -jvmArgsAppend "$flags" -rf json -rff "$out/gemm-blas.json"

python3 - "$out/gemm-java.json" "$out/gemm-blas.json" <<'PY'
import json, sys
def load(p):
    # matmul reports calls/s; GFLOP/s = 2 n^3 * calls/s / 1e9
    return {int(r["params"]["size"]): 2 * int(r["params"]["size"]) ** 3 * r["primaryMetric"]["score"] / 1e9
            for r in json.load(open(p))}
java, blas = load(sys.argv[1]), load(sys.argv[2])
print("\n| n | pure Java GFLOP/s | walnut-blas (OpenBLAS) GFLOP/s | Java / BLAS |")
print("|---:|---:|---:|---:|")
for n in sorted(java):
    print(f"| {n} | {java[n]:.1f} | {blas.get(n, float('nan')):.1f} | {java[n] / blas[n]:.2f} |")
PY
