#!/usr/bin/env bash
# Builds walnut-bench, runs the JMH benchmarks, times the same workloads in PyTorch in the same
# run, and prints Walnut vs PyTorch with ratios (STYLE.md rule 12, DESIGN.md §6).
#
# Usage: bench/run.sh [--install] [--no-torch] [--no-build] [-h|--help]
#   --install   install Debian's PyTorch if it is missing (apt-get install -y python3-torch
#               libopenblas0-pthread); without this flag nothing is ever installed
#   --no-torch  skip the PyTorch side, print Walnut's numbers only
#   --no-build  reuse walnut-bench/target/walnut-bench.jar
#
# Settings (environment; the same values drive JMH and the PyTorch timer):
#   BENCH_WI=3 BENCH_I=5     warmup / measured iterations
#   BENCH_TIME=1             seconds per iteration
#   BENCH_THREADS=2          kernel threads (walnut.threads and torch.set_num_threads)
#   BENCH_FILTER=...         JMH include regexp replacing the default benchmark list
#   PYTHON=...               interpreter for the PyTorch side (default: the first of python3 and
#                            /usr/bin/python3 that can import torch)
# The defaults fit a 2-core machine in a few minutes. Results land in walnut-bench/target/.
set -euo pipefail

cd "$(dirname "$0")/.."

install=0 torch=1 build=1
for arg in "$@"; do
    case "$arg" in
        --install) install=1 ;;
        --no-torch) torch=0 ;;
        --no-build) build=0 ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
    esac
done

wi=${BENCH_WI:-3}
iters=${BENCH_I:-5}
secs=${BENCH_TIME:-1}
threads=${BENCH_THREADS:-2}
jar=walnut-bench/target/walnut-bench.jar
results_dir=walnut-bench/target

# --- PyTorch availability, decided up front so a missing torch is reported before the long run.
# Debian's python3-torch lives in the system interpreter's dist-packages, which a python3 from
# pyenv/venv on PATH does not see; so look at both (PYTHON=... overrides).
find_python() {
    local candidates=(python3 /usr/bin/python3) first="" p
    [[ -n ${PYTHON:-} ]] && candidates=("$PYTHON")
    for p in "${candidates[@]}"; do
        command -v "$p" >/dev/null 2>&1 || continue
        [[ -z $first ]] && first=$p
        if "$p" -c 'import torch' >/dev/null 2>&1; then
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
        # is too slow to be a fair reference.
        "${sudo_cmd[@]}" apt-get install -y python3-torch libopenblas0-pthread
        find_python
        [[ $have_torch == 1 ]] || { echo "run.sh: torch still not importable after install" >&2; exit 1; }
    elif [[ $have_python == 0 ]]; then
        echo "== no python3 found: printing Walnut's numbers only (JMH summaries below)." >&2
    else
        echo "== PyTorch is not installed: printing Walnut's numbers only." >&2
        echo "   Install it with 'apt-get install -y python3-torch libopenblas0-pthread' or rerun with --install." >&2
    fi
fi

# Benchmarks on a busy machine measure the other processes; say so before spending minutes.
read -r load1 _ </proc/loadavg 2>/dev/null || load1=0
if awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > 0.5 * n) }'; then
    echo "== warning: load average $load1 on $(nproc) CPUs; results will be noisy" >&2
fi

# --- build
if [[ $build == 1 ]]; then
    echo "== building walnut-bench"
    mvn -q -B -pl walnut-bench -am package -DskipTests
fi
[[ -f $jar ]] || { echo "run.sh: $jar not found; build first (drop --no-build)" >&2; exit 1; }

# --- JMH
# GemmBenchmark is written separately; include it only when the jar has it. It runs as its own
# JMH invocation because "-p size=..." would also override ElementwiseBenchmark's "size".
common=(-f 1 -wi "$wi" -i "$iters" -w "${secs}s" -r "${secs}s" -jvmArgsAppend "-Dwalnut.threads=$threads")
includes=() params=() files=()   # one JMH invocation per index
if [[ -n ${BENCH_FILTER:-} ]]; then
    includes+=("$BENCH_FILTER") params+=("") files+=("$results_dir/jmh-custom.json")
else
    includes+=('dev\.walnut\.bench\.(OpOverhead|Elementwise)Benchmark\.')
    params+=("") files+=("$results_dir/jmh-core.json")
    listing=$(java -jar "$jar" -l)
    if grep -q '^dev\.walnut\.bench\.GemmBenchmark\.' <<<"$listing"; then
        includes+=('dev\.walnut\.bench\.GemmBenchmark\.')
        params+=("size=256,512,1024") files+=("$results_dir/jmh-gemm.json")
    else
        echo "== GemmBenchmark not in the jar; SGEMM rows will show PyTorch only"
    fi
fi

result_files=()
for i in "${!includes[@]}"; do
    p_args=()
    if [[ -n ${params[i]} ]]; then p_args=(-p "${params[i]}"); fi
    echo "== JMH ${includes[i]} ${params[i]:+(${params[i]}) }-f 1 -wi $wi -i $iters -w ${secs}s -r ${secs}s," \
         "walnut.threads=$threads"
    rm -f "${files[i]}"
    java -jar "$jar" "${includes[i]}" "${p_args[@]}" "${common[@]}" -rf json -rff "${files[i]}"
    result_files+=(--walnut "${files[i]}")
done

# --- comparison table
if [[ $have_python == 0 ]]; then
    echo "== python3 missing: no table; JMH's summaries above are the result (${results_dir}/jmh-*.json)."
    exit 0
fi
compare=("${result_files[@]}" --warmup "$wi" --iterations "$iters" --time "$secs" --threads "$threads"
         --load-before "$load1")
# Without torch the script itself says it is missing and prints Walnut's column alone.
if [[ $torch == 0 ]]; then
    compare+=(--no-torch)
elif [[ $have_torch == 1 ]]; then
    echo "== PyTorch: same workloads, same schedule"
fi
"$python" bench/torch_compare.py "${compare[@]}"
