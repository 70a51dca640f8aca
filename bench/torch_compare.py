#!/usr/bin/env python3
"""Run Walnut's benchmark workloads in PyTorch and print Walnut vs PyTorch with ratios.

Reads the JSON that JMH writes with ``-rf json -rff FILE`` (the Walnut side), times the same
workloads in PyTorch with the same warmup/measurement schedule as JMH (N warmup iterations, then
M measured iterations of T seconds each, score = mean time per call), and prints one table.

Workloads (kept identical to the JMH classes in walnut-bench):
  * op chain: ``y = y.mul(1.0001).add(0.0001)`` x1000 on a 1-element F32 tensor = 2000 ops;
    reported per op (chain time / 2000) as forward+backward, forward recorded, forward no-grad
  * elementwise: ``a + b`` and ``a.exp()`` on 1M (2^20) and 16M (2^24) F32 elements
  * SGEMM: ``a @ b`` (GemmBenchmark.sgemm) and ``a @ b.t()`` (GemmBenchmark.sgemmTransposedB)
    on square F32 matrices of size 256/512/1024, if GemmBenchmark ran

Usually started by bench/run.sh; on its own (after run.sh has left its JMH results behind):
    python3 bench/torch_compare.py --walnut walnut-bench/target/jmh-core.json \
        --walnut walnut-bench/target/jmh-gemm.json

Without torch it prints Walnut's numbers only (and says so); with --walnut omitted it times
PyTorch only.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

CHAIN_LENGTH = 1000
OPS_PER_CHAIN = 2 * CHAIN_LENGTH  # 1000 mul + 1000 add; every op-chain figure is per one of these
ELEMENTWISE_SIZES = (1 << 20, 1 << 24)
GEMM_SIZES = (256, 512, 1024)
GEMM_METHODS = ("sgemm", "sgemmTransposedB")  # GemmBenchmark methods with a PyTorch twin
BYTES_MOVED = {"add": 12, "exp": 8}  # F32 bytes read+written per element
TARGET_US_PER_OP = 1.5  # the target for the forward+backward chain

OP_PKG = "dev.walnut.bench."


# --------------------------------------------------------------------------- workloads

class Workload:
    """One row of the table: a key shared by both sides plus how to present it."""

    def __init__(self, key, label, kind, size=None):
        self.key = key        # e.g. ("chain", "forwardBackward") or ("add", 1048576)
        self.label = label
        self.kind = kind      # "chain" | "elementwise" | "gemm"
        self.size = size


def workloads():
    rows = [
        Workload(("chain", "forwardBackward"), "op chain fwd+bwd", "chain"),
        Workload(("chain", "forwardRecorded"), "op chain fwd recorded", "chain"),
        Workload(("chain", "forwardNoGrad"), "op chain fwd noGrad", "chain"),
    ]
    for op in ("add", "exp"):
        for n in ELEMENTWISE_SIZES:
            rows.append(Workload((op, n), f"{op} {n >> 20}M", "elementwise", n))
    for method in GEMM_METHODS:
        for n in GEMM_SIZES:
            suffix = "" if method == "sgemm" else " B^T"
            rows.append(Workload((method, n), f"sgemm {n}^3{suffix}", "gemm", n))
    return rows


def torch_callables(torch):
    """(callable, ops per call) for each workload key; the chain rows count 2000 ops per call."""
    mul, add = 1.0001, 0.0001
    x = torch.ones(1, dtype=torch.float32, requires_grad=True)

    def chain(v):
        y = v
        for _ in range(CHAIN_LENGTH):
            y = y.mul(mul).add(add)
        return y

    def forward_backward():
        y = chain(x)
        y.backward()
        # set_to_none, like Walnut's benchmark resetting the grad to null: same path every call
        x.grad = None

    def forward_recorded():
        chain(x)  # the graph is freed when y goes out of scope, like Walnut's clearTape()

    def forward_no_grad():
        with torch.no_grad():
            chain(x)

    fns = {
        ("chain", "forwardBackward"): (forward_backward, OPS_PER_CHAIN),
        ("chain", "forwardRecorded"): (forward_recorded, OPS_PER_CHAIN),
        ("chain", "forwardNoGrad"): (forward_no_grad, OPS_PER_CHAIN),
    }
    gen = torch.Generator().manual_seed(42)
    for n in ELEMENTWISE_SIZES:
        a = torch.rand(n, generator=gen)
        b = torch.rand(n, generator=gen)
        fns[("add", n)] = ((lambda a=a, b=b: a + b), 1)
        fns[("exp", n)] = ((lambda a=a: a.exp()), 1)
    for n in GEMM_SIZES:
        a = torch.rand(n, n, generator=gen)
        b = torch.rand(n, n, generator=gen)
        bt = b.t()  # a strided view, as in GemmBenchmark.sgemmTransposedB; BLAS gets transB
        fns[("sgemm", n)] = ((lambda a=a, b=b: a @ b), 1)
        fns[("sgemmTransposedB", n)] = ((lambda a=a, bt=bt: a @ bt), 1)
    return fns


def loaded_blas():
    """The BLAS shared library this process mapped (Linux only), or None.

    Debian's python3-torch calls whatever libblas.so.3 the alternatives system points at; with
    only the netlib reference BLAS installed, SGEMM is single-threaded and an order of magnitude
    slower than with OpenBLAS, which would make the SGEMM ratio meaningless.
    """
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1].lower()}
    except OSError:
        return None
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or None


# Two-sided 99.9% Student t quantiles by degrees of freedom: JMH's "Error" column is
# t * stdev / sqrt(n) at this level, so using it here makes the two ± columns comparable.
_T999 = {1: 636.62, 2: 31.60, 3: 12.92, 4: 8.61, 5: 6.87, 6: 5.96, 7: 5.41, 8: 5.04, 9: 4.78,
         10: 4.59, 12: 4.32, 15: 4.07, 20: 3.85, 30: 3.65}


def ci999(stdev, n):
    if n < 2:
        return 0.0
    df = max(d for d in _T999 if d <= n - 1)  # between table rows: the smaller df, conservative
    t = _T999[df] if n - 1 <= 30 else 3.29
    return t * stdev / n ** 0.5


def measure(fn, ops_per_call, warmup, iterations, seconds):
    """JMH-like schedule; returns (mean, 99.9% CI half-width) seconds per op over the measured iterations."""
    scores = []
    for i in range(warmup + iterations):
        calls = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            fn()
            calls += 1
            now = time.perf_counter()
            if now >= deadline:
                break
        if i >= warmup:
            scores.append((now - start) / (calls * ops_per_call))
    sd = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return statistics.mean(scores), ci999(sd, len(scores))


# --------------------------------------------------------------------------- JMH results

_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "min": 60.0}


def seconds_per_op(score, unit):
    """Converts a JMH primary score to seconds per op (JMH's op = one invocation / OPI)."""
    num, _, den = unit.partition("/")
    if den == "op" and num in _TIME_UNITS:            # AverageTime / SampleTime: "us/op"
        return score * _TIME_UNITS[num]
    if num == "ops" and den in _TIME_UNITS:           # Throughput: "ops/s"
        return _TIME_UNITS[den] / score
    raise ValueError(f"unsupported JMH score unit {unit!r}")


def load_walnut(path):
    """Maps workload keys to (seconds per op, relative error) from a JMH JSON result file."""
    with open(path) as f:
        results = json.load(f)
    out, extra, meta = {}, [], {}
    for r in results:
        meta = {"jdk": r.get("jdkVersion", "?"), "vm": r.get("vmName", "?"),
                "jvmArgs": " ".join(r.get("jvmArgs", []))}
        cls, _, method = r["benchmark"].removeprefix(OP_PKG).rpartition(".")
        params = r.get("params", {})
        pm = r["primaryMetric"]
        sec = seconds_per_op(pm["score"], pm["scoreUnit"])
        err = pm.get("scoreError")
        rel = abs(err / pm["score"]) if isinstance(err, (int, float)) and pm["score"] else 0.0
        if cls == "OpOverheadBenchmark":
            out[("chain", method)] = (sec, rel)
        elif cls == "ElementwiseBenchmark":
            out[(method, int(params["size"]))] = (sec, rel)
        elif cls == "GemmBenchmark":
            size = int(params.get("size", 0))
            if method in GEMM_METHODS and size in GEMM_SIZES:
                out[(method, size)] = (sec, rel)
            else:
                extra.append((f"GemmBenchmark.{method} {params}", sec, rel, size))
        else:
            extra.append((f"{cls}.{method} {params}", sec, rel, None))
    return out, extra, meta


# --------------------------------------------------------------------------- presentation

def describe(w, sec):
    """(time, rate) cells for one side: per-op time for the chain, per-call time plus GB/s and
    G elements/s for elementwise, per-call time plus GFLOP/s for GEMM."""
    if w.kind == "chain":
        return f"{sec * 1e6:.3f} µs/op", ""
    if w.kind == "elementwise":
        gbs = BYTES_MOVED[w.key[0]] * w.size / sec / 1e9
        return f"{sec * 1e3:.3f} ms", f"{gbs:.1f} GB/s {w.size / sec / 1e9:.2f} Gel/s"
    return f"{sec * 1e3:.2f} ms", f"{2.0 * w.size ** 3 / sec / 1e9:.1f} GFLOP/s"


def fmt_err(rel):
    return f"±{rel * 100:.0f}%" if rel else ""


def side_cells(w, result, missing):
    if result is None:
        return missing, "", ""
    t, r = describe(w, result[0])
    return t, r, fmt_err(result[1])


ROW = "{:24s} | {:>12s} {:>21s} {:>6s} | {:>12s} {:>21s} {:>6s} | {:>7s}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--walnut", action="append", default=[],
                    help="JMH JSON result file (-rf json -rff FILE); repeat for several")
    ap.add_argument("--warmup", type=int, default=3, help="warmup iterations (JMH -wi)")
    ap.add_argument("--iterations", type=int, default=5, help="measured iterations (JMH -i)")
    ap.add_argument("--time", type=float, default=1.0, help="seconds per iteration (JMH -w/-r)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (match walnut.threads)")
    ap.add_argument("--no-torch", action="store_true", help="print Walnut's numbers only")
    # Taken before the benchmarks start: afterwards the load average mostly reflects our own threads.
    ap.add_argument("--load-before", type=float, help="1-minute load average before the run (for a warning)")
    args = ap.parse_args()

    walnut, extra, meta = ({}, [], {})
    for path in args.walnut:
        if not os.path.exists(path):
            sys.exit(f"torch_compare.py: no JMH result file at {path}")
        found, more, meta = load_walnut(path)
        walnut.update(found)
        extra.extend(more)

    torch = None
    torch_note = None
    if args.no_torch:
        torch_note = "PyTorch comparison skipped (--no-torch)."
    else:
        # OpenBLAS/OpenMP read their thread counts when loaded, before set_num_threads can help.
        os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
        try:
            import torch as _torch
            torch = _torch
        except ImportError as e:
            torch_note = (f"PyTorch is not available ({e}); showing Walnut's numbers only. "
                          "Install it with `apt-get install -y python3-torch libopenblas0-pthread` "
                          "(or bench/run.sh --install).")

    rows = workloads()
    theirs = {}
    if torch is not None:
        torch.set_num_threads(args.threads)
        fns = torch_callables(torch)
        print(f"[torch] timing {len(rows)} workloads: {args.warmup} warmup + {args.iterations} measured "
              f"iterations of {args.time:g} s, {args.threads} threads", file=sys.stderr, flush=True)
        for w in rows:
            fn, opi = fns[w.key]
            mean, err = measure(fn, opi, args.warmup, args.iterations, args.time)
            theirs[w.key] = (mean, err / mean if mean else 0.0)
            print(f"[torch]   {w.label:24s} {' '.join(describe(w, mean))}", file=sys.stderr, flush=True)

    # ---- header
    print()
    print("=" * 126)
    print("Walnut vs PyTorch (same machine, same run)")
    load = args.load_before
    print(f"  host: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
          + (f", load average {load:.2f} before the run" if load is not None else ""))
    if meta:
        print(f"  Walnut: JDK {meta['jdk']} ({meta['vm']}) {meta['jvmArgs']}")
    blas = None
    if torch is not None:
        blas = loaded_blas()
        print(f"  PyTorch: {torch.__version__}, {torch.get_num_threads()} threads, BLAS: {blas or 'unknown'}")
    print(f"  op chain: {CHAIN_LENGTH} x (mul, add) on a 1-element f32 tensor = {OPS_PER_CHAIN} ops; "
          f"times are per op (chain time / {OPS_PER_CHAIN})")
    print("  ratio = PyTorch time / Walnut time: > 1 means Walnut is faster, < 1 slower")
    print("=" * 126)

    # ---- table
    hdr = ROW.format("workload", "Walnut", "rate", "±", "PyTorch", "rate", "±", "ratio")
    print(hdr)
    print("-" * len(hdr))
    for w in rows:
        mine = walnut.get(w.key)
        other = theirs.get(w.key)
        if mine is None and other is None:
            continue
        ratio = f"{other[0] / mine[0]:.2f}x" if mine and other else ""
        print(ROW.format(w.label, *side_cells(w, mine, "(not run)"), *side_cells(w, other, "-"), ratio))
    for name, sec, rel, size in extra:
        rate = f"{2.0 * size ** 3 / sec / 1e9:.1f} GFLOP/s" if size else ""
        print(ROW.format(name, f"{sec * 1e3:.3f} ms", rate, fmt_err(rel), "", "", "", ""))
    print("-" * len(hdr))
    print("± is the 99.9% confidence half-width over the measured iterations, relative to the score "
          "(JMH's Error column for Walnut, computed the same way for PyTorch).")

    fb = walnut.get(("chain", "forwardBackward"))
    if fb:
        us = fb[0] * 1e6
        verdict = "met" if us <= TARGET_US_PER_OP else "NOT met"
        print(f"Target: op chain fwd+bwd <= {TARGET_US_PER_OP} µs/op -> {us:.3f} µs/op, {verdict}.")
    gemm_missing = [n for n in GEMM_SIZES if ("sgemm", n) not in walnut]
    if args.walnut and gemm_missing:
        print(f"Walnut SGEMM not measured for sizes {gemm_missing} (GemmBenchmark absent or not run).")
    if blas and "/blas/libblas" in blas:
        print("Warning: PyTorch is using the netlib reference BLAS (single-threaded, unoptimised), so its "
              "SGEMM numbers understate PyTorch; `apt-get install -y libopenblas0-pthread` fixes that.")
    if load is not None and load > 0.5 * (os.cpu_count() or 1):
        print(f"Warning: load average was {load:.2f} on {os.cpu_count()} CPUs before the run; other processes "
              "competed for the cores, so the numbers (multi-threaded ones most) may be unreliable. "
              "Rerun on an idle machine.")
    if torch_note:
        print(torch_note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
