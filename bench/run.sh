#!/usr/bin/env bash
# One command for the benchmark comparison (README, "Benchmarks"): builds walnut-bench, runs the
# JMH benchmarks, times the same workloads in PyTorch, measures memory, prints one table of
# Walnut vs PyTorch with ratios and writes it to walnut-bench/results/ (JSON + Markdown).
#
# Usage: bench/run.sh [--quick] [--only GROUPS] [--soak] [--djl] [--install] [--no-torch] [--no-build]
#   --quick        1 warmup + 3 measured iterations of 0.5 s (a smoke run, ~4 minutes)
#   --only GROUPS  comma-separated subset of chain,gemm,elementwise,mlp,cnn,func,memory (default: all)
#                  or compiled (Walnut eager vs compiled graphs, ratios only; not in the default)
#                  or onnx (imported resnet18, mobilenet_v2 and a transformer encoder, batch 1 and 8:
#                  Walnut compiled vs ONNX Runtime vs PyTorch eager; not in the default: it needs
#                  python3 with torch and torchvision to export the models, ~10 minutes)
#   --soak         also run the 10,000-step memory soak (about 2 more minutes)
#   --djl          also run the workloads in DJL with its PyTorch engine (module walnut-bench-djl,
#                  Maven profile djl; the first build downloads ~120 MB of DJL jars from Maven
#                  Central, runs then are offline) and add DJL and Walnut/DJL columns (memory:
#                  Walnut and PyTorch only)
#   --install      install Debian's PyTorch if it is missing:
#                  apt-get install -y python3-torch python3-numpy libopenblas0-pthread
#                  (without this flag nothing is ever installed)
#   --no-torch     skip the PyTorch side, print Walnut's numbers only
#   --no-build     reuse walnut-bench/target/walnut-bench.jar
#
# Settings (environment; the same values drive JMH and the PyTorch timer):
#   BENCH_WI=3 BENCH_I=5     warmup / measured iterations
#   BENCH_TIME=1             seconds per iteration
#   BENCH_FORKS=1            JVM forks per Walnut benchmark; medians and ranges pool every fork's
#                            iterations (use 3 where one row matters: forks still differ by JIT)
#   BENCH_HEAP_FLAGS=-XX:+UseTransparentHugePages   heap options of the Walnut/ORT timing JVMs (set it
#                            empty to see 4 KB heap pages: whole forks 30-40% slower at random)
#   BENCH_THREADS=2          threads on every side (-Dwalnut.threads, torch.set_num_threads,
#                            -Dai.djl.pytorch.num_threads)
#   BENCH_MEMORY_JVM="-Xmx128m -XX:+UseSerialGC"   JVM options of the Walnut memory process
#   BENCH_RESULTS=walnut-bench/results             where the JSON and Markdown go
#   PYTHON=...               interpreter for the PyTorch side (default: the first of python3 and
#                            /usr/bin/python3 that can import torch)
set -euo pipefail

cd "$(dirname "$0")/.."

install=0 torch=1 build=1 quick=0 soak=0 djl=0 only=chain,gemm,elementwise,mlp,cnn,func,memory
while [[ $# -gt 0 ]]; do
    case "$1" in
        --install) install=1 ;;
        --no-torch) torch=0 ;;
        --no-build) build=0 ;;
        --quick) quick=1 ;;
        --soak) soak=1 ;;
        --djl) djl=1 ;;
        --only) [[ $# -ge 2 ]] || { echo "run.sh: --only needs a value" >&2; exit 2; }; only=$2; shift ;;
        --only=*) only=${1#--only=} ;;
        -h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [[ $quick == 1 ]]; then
    wi=${BENCH_WI:-1} iters=${BENCH_I:-3} secs=${BENCH_TIME:-0.5}
else
    wi=${BENCH_WI:-3} iters=${BENCH_I:-5} secs=${BENCH_TIME:-1}
fi
threads=${BENCH_THREADS:-2}
forks=${BENCH_FORKS:-1}
memory_jvm=${BENCH_MEMORY_JVM:-"-Xmx128m -XX:+UseSerialGC"}
ms=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')   # JMH wants an integer and a unit
jar=walnut-bench/target/walnut-bench.jar
jmh_json=walnut-bench/target/jmh.json
# The Vector API kernel provider is picked up when this module is present (DESIGN §1).
jvm_flags="--add-modules jdk.incubator.vector -Dwalnut.threads=$threads"
# The timing JVMs (Walnut and ONNX Runtime, not the memory process) put the Java heap on transparent
# huge pages, as README "Running fast" recommends for deployment: on Linux's default THP mode
# (madvise) the heap is otherwise on 4 KB pages and, depending on how the pages happen to lie, a
# whole JVM runs 30-40% slower (resnet18 b1, 1 thread: 31-34 ms in every JVM with the flag, 33-57
# without). Libraries that allocate natively (PyTorch, DJL, ONNX Runtime) are not affected by it.
timing_flags="$jvm_flags ${BENCH_HEAP_FLAGS--XX:+UseTransparentHugePages}"

# --- group "compiled" (issue 15, graph compiler): the ten-op elementwise chain (CompiledBenchmark:
# eager, compiled, and the stream floor x.add(y)), the MLP (CompiledMlpBenchmark: eager,
# compiled, reduceOverhead = CompileMode.REDUCE_OVERHEAD) and the MLP train step
# (CompiledTrainBenchmark: SGD and Adam), Walnut only, printed with their ratios. Not among the default groups: ask for it
# with --only compiled (alone or with other groups). Self-contained: it builds, runs and prints
# here, then the script goes on with the other groups, if any.
if [[ ,$only, == *,compiled,* ]]; then
    only=$(echo ",$only," | sed 's/,compiled,/,/g; s/^,*//; s/,*$//')
    if [[ $build == 1 ]]; then
        echo "== building walnut-bench"
        mvn -q -B -pl walnut-bench -am package -DskipTests
        [[ $djl == 1 ]] || build=0
    fi
    compiled_json=walnut-bench/target/jmh-compiled.json
    echo "== JMH (compiled): -f $forks -wi $wi -i $iters -w ${secs}s -r ${secs}s, JVM: $timing_flags"
    java -jar "$jar" 'dev\.walnut\.bench\.Compiled(Mlp|Train)?Benchmark\.' -f "$forks" -wi "$wi" -i "$iters" -w "${ms}ms" \
        -r "${ms}ms" -jvmArgsAppend "$timing_flags" -rf json -rff "$compiled_json"
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$compiled_json" <<'PY'
import json, sys
rows = {}
for r in json.load(open(sys.argv[1])):
    cls, meth = r["benchmark"].split(".")[-2:]
    params = ", ".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items()))
    rows.setdefault((cls.replace("Benchmark", ""), params), {})[meth] = r["primaryMetric"]["score"]
fmt = "{:<28} {:>10} {:>12} {:>12} {:>10} {:>16} {:>17}"
print(fmt.format("workload", "eager ms", "compiled ms", "reduce-ovh ms", "stream ms", "eager/compiled", "compiled/stream"))
for (cls, params), m in sorted(rows.items()):
    e, c, r, s = m.get("eager"), m.get("compiled"), m.get("reduceOverhead"), m.get("stream")
    f = lambda v: "-" if v is None else f"{v:.3f}"
    ratio = lambda a, b: "-" if a is None or b is None else f"{a / b:.2f}x"
    print(fmt.format(f"{cls} {params}", f(e), f(c), f(r), f(s), ratio(e, c), ratio(c, s)))
print("stream = x.add(y): reads both inputs and writes one output once, the memory floor of the chain")
PY
    fi
    [[ -n $only ]] || exit 0
fi

# JMH include patterns per workload group; walnut-bench-djl mirrors the class and method names
# in package dev.walnut.bench.djl.
includes=() djl_includes=()
IFS=, read -r -a groups <<<"$only"
for g in "${groups[@]}"; do
    case "$g" in
        chain) pattern='OpOverheadBenchmark\.' ;;
        gemm) pattern='GemmBenchmark\.matmul$' ;;
        elementwise) pattern='(Elementwise|Reduction)Benchmark\.' ;;
        mlp) pattern='Mlp(Train|Inference)Benchmark\.' ;;
        # Eager and compiled train step and inference; the compiled rows are compared with PyTorch
        # eager (targets in torch_compare.py: train 0.9x, compiled train 0.7x, compiled inference 0.5x).
        # walnut-bench-djl has the eager rows only.
        cnn) pattern='CnnBenchmark\.' ;;
        # No DJL counterpart: DJL has no function transforms.
        func) includes+=("dev\.walnut\.bench\.FuncBenchmark\."); continue ;;
        # Walnut (OnnxModelBenchmark) and ONNX Runtime (OrtBenchmark) in the same JMH run; no DJL twin.
        onnx) includes+=("dev\.walnut\.bench\.(OnnxModel|Ort)Benchmark\."); continue ;;
        memory) continue ;;
        *) echo "run.sh: unknown group '$g' (chain, gemm, elementwise, mlp, cnn, func, memory, onnx, compiled)" >&2; exit 2 ;;
    esac
    includes+=("dev\.walnut\.bench\.$pattern")
    djl_includes+=("dev\.walnut\.bench\.djl\.$pattern")
done

# DJL side: JMH from target/classes plus the runtime class path Maven wrote (no fat jar: libtorch
# is 440 MB unpacked). Offline (it must never download; the native jar is on the class path),
# its libtorch cache under the module's target/, $threads intra-op threads like the other sides.
djl_dir=walnut-bench-djl/target
djl_json=$djl_dir/jmh.json
djl_cache=$PWD/$djl_dir/djl-cache
djl_flags="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=$threads -DENGINE_CACHE_DIR=$djl_cache"
djl_flags+=" -DDJL_CACHE_DIR=$djl_cache -Dai.djl.pytorch.graph_optimizer=false"
# DJL logs through slf4j-simple: warnings only, and not the failed GPU probe on CPU-only hosts.
djl_flags+=" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=off"

# --- PyTorch availability, decided up front so a missing torch is reported before the long run.
# Debian's python3-torch lives in the system interpreter's dist-packages, which a python3 from
# pyenv/venv on PATH does not see; so look at both (PYTHON=... overrides).
find_python() {
    local candidates=(python3 /usr/bin/python3) first="" p
    [[ -n ${PYTHON:-} ]] && candidates=("$PYTHON")
    for p in "${candidates[@]}"; do
        command -v "$p" >/dev/null 2>&1 || continue
        [[ -z $first ]] && first=$p
        if "$p" -c 'import torch, numpy' >/dev/null 2>&1; then
            python=$p have_python=1 have_torch=1
            return
        fi
    done
    [[ -n $first ]] && python=$first have_python=1
    return 0
}
python="" have_python=0 have_torch=0
find_python
if [[ $torch == 1 && $have_torch == 0 ]]; then
    if [[ $install == 1 ]]; then
        echo "== installing python3-torch (Debian package)"
        sudo_cmd=()
        if [[ $(id -u) != 0 ]]; then sudo_cmd=(sudo); fi
        "${sudo_cmd[@]}" apt-get update
        # Without OpenBLAS, Debian's torch falls back to the netlib reference BLAS and its SGEMM
        # is too slow to be a fair reference; the pthread build does not oversubscribe the cores
        # the way an OpenMP BLAS under torch's own OpenMP pool can.
        "${sudo_cmd[@]}" apt-get install -y python3-torch python3-numpy libopenblas0-pthread
        find_python
        [[ $have_torch == 1 ]] || { echo "run.sh: torch still not importable after install" >&2; exit 1; }
    elif [[ $have_python == 0 ]]; then
        echo "== no python3 found: printing Walnut's numbers only (JMH summaries below)." >&2
    else
        echo "== PyTorch (python3-torch with python3-numpy) is not installed: printing Walnut's numbers only." >&2
        echo "   Install it with 'apt-get install -y python3-torch python3-numpy libopenblas0-pthread'" >&2
        echo "   or rerun with --install." >&2
    fi
fi

# --- group "onnx" (issue 16): PyTorch exports the models (random weights, fixed seed, nothing
# downloaded) with walnut-onnx's export script, once; OnnxBenchModels reads them from here.
if [[ ,$only, == *,onnx,* ]]; then
    onnx_dir=$PWD/walnut-bench/target/onnx-models
    export_script=walnut-onnx/src/test/python/export_models.py
    onnx_names=(resnet18_224 mobilenet_v2_224 transformer_encoder)
    missing=()
    for n in "${onnx_names[@]}"; do
        [[ -f $onnx_dir/$n/model.onnx && $onnx_dir/$n/model.onnx -nt $export_script ]] || missing+=("$n")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        if [[ $have_torch == 0 ]] || ! "$python" -c 'import torchvision' >/dev/null 2>&1; then
            echo "run.sh: group onnx needs python3 with torch and torchvision to export the models" >&2
            echo "   (apt-get install -y python3-torch python3-torchvision python3-numpy)" >&2
            exit 1
        fi
        echo "== exporting ONNX models with PyTorch: ${missing[*]}"
        mkdir -p "$onnx_dir"
        "$python" "$export_script" "$onnx_dir" "${missing[@]}"
    fi
    jvm_flags+=" -Dwalnut.bench.onnx=$onnx_dir"
    timing_flags+=" -Dwalnut.bench.onnx=$onnx_dir"
fi

# Benchmarks on a busy machine measure the other processes; say so before spending minutes.
read -r load1 _ </proc/loadavg 2>/dev/null || load1=0
if awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > 0.5 * n) }'; then
    echo "== warning: load average $load1 on $(nproc) CPUs; results will be noisy" >&2
fi

# --- build (through the reactor, so walnut-core is built from this checkout)
if [[ $build == 1 && $djl == 1 ]]; then
    echo "== building walnut-bench and walnut-bench-djl (profile djl)"
    mvn -q -B -Pdjl -pl walnut-bench,walnut-bench-djl -am package -DskipTests
elif [[ $build == 1 ]]; then
    echo "== building walnut-bench"
    mvn -q -B -pl walnut-bench -am package -DskipTests
fi
[[ -f $jar ]] || { echo "run.sh: $jar not found; build first (drop --no-build)" >&2; exit 1; }
if [[ $djl == 1 ]]; then
    [[ -f $djl_dir/classpath.txt ]] || { echo "run.sh: $djl_dir/classpath.txt not found; build first (drop --no-build)" >&2; exit 1; }
    djl_cp=$djl_dir/classes:$(cat "$djl_dir/classpath.txt")
fi

# CPU seconds all processes have been busy since boot (user+nice+system+irq+softirq+steal).
busy_seconds() {
    awk -v hz="$(getconf CLK_TCK)" 'NR == 1 { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
}

# Runs a command and sets $foreign to the share of all CPUs that other processes used meanwhile:
# (busy CPU time of the machine - the command's own CPU time, children included) / (wall x CPUs).
# Unlike the load average it does not count the benchmark's own threads.
foreign=
timed() {
    local stats before after
    stats=$(mktemp)
    before=$(busy_seconds)
    /usr/bin/time -f "%e %U %S" -o "$stats" "$@"
    after=$(busy_seconds)
    foreign=$(awk -v b="$before" -v a="$after" -v n="$(nproc)" '{ w = $1 > 0 ? $1 : 1; f = (a - b - $2 - $3) / (w * n);
        printf "%.3f", f < 0 ? 0 : f }' "$stats")
    rm -f "$stats"
}
[[ -x /usr/bin/time ]] || timed() { foreign=; "$@"; }

# --- JMH: $forks fork(s) per benchmark, Walnut on $threads threads
result_args=()
if [[ ${#includes[@]} -gt 0 ]]; then
    echo "== JMH: -f $forks -wi $wi -i $iters -w ${secs}s -r ${secs}s, JVM: $timing_flags"
    rm -f "$jmh_json"
    timed java -jar "$jar" "${includes[@]}" -f "$forks" -wi "$wi" -i "$iters" -w "${ms}ms" -r "${ms}ms" \
        -jvmArgsAppend "$timing_flags" -rf json -rff "$jmh_json"
    result_args=(--walnut "$jmh_json")
    [[ -n $foreign ]] && result_args+=(--foreign-walnut "$foreign")
fi
if [[ $djl == 1 && ${#djl_includes[@]} -gt 0 ]]; then
    # OMP_NUM_THREADS as torch_compare.py sets it for PyTorch: libgomp sizes its pool on load.
    djl_info=$(OMP_NUM_THREADS=$threads java $djl_flags -cp "$djl_cp" dev.walnut.bench.djl.DjlEnv)
    echo "== JMH (DJL): $djl_info"
    rm -f "$djl_json"
    OMP_NUM_THREADS=$threads timed java -cp "$djl_cp" org.openjdk.jmh.Main "${djl_includes[@]}" -f 1 -wi "$wi" \
        -i "$iters" -w "${ms}ms" -r "${ms}ms" -jvmArgsAppend "$djl_flags" -rf json -rff "$djl_json"
    result_args+=(--djl "$djl_json" --djl-info "$djl_info")
    [[ -n $foreign ]] && result_args+=(--foreign-djl "$foreign")
fi

# --- PyTorch, memory and the table
if [[ $have_python == 0 ]]; then
    echo "== python3 missing: no table; JMH's summary above is the result ($jmh_json)."
    exit 0
fi
compare=("${result_args[@]}" --forks "$forks" --warmup "$wi" --iterations "$iters" --time "$secs" --threads "$threads"
         --only "$only" --load-before "$load1" --jar "$jar" --results "${BENCH_RESULTS:-walnut-bench/results}" --memory-jvm-args "$memory_jvm $jvm_flags")
[[ $soak == 1 ]] && compare+=(--soak)
# Without torch the script itself says it is missing and prints Walnut's column alone.
if [[ $torch == 0 || $have_torch == 0 ]]; then
    compare+=(--no-torch)
else
    echo "== PyTorch: same workloads, same schedule, $threads threads"
fi
"$python" bench/torch_compare.py "${compare[@]}"
