#!/usr/bin/env python3
"""Run Walnut's benchmark workloads in PyTorch and print Walnut vs PyTorch with ratios.

Reads the JSON that JMH writes with ``-rf json -rff FILE`` (the Walnut side), times the same
workloads in PyTorch with the same schedule as JMH (N warmup iterations, then M measured
iterations of T seconds each; an iteration's score is its mean time per call), and prints one
table: workload, Walnut median [min-max], PyTorch median [min-max] over the measured
iterations, and the ratio of the medians, Walnut time / PyTorch time (< 1: Walnut is faster).
The same table goes to walnut-bench/results/ as JSON and Markdown (a timestamped pair plus
latest.md and latest.json).

Workloads (kept identical to the JMH classes in walnut-bench and to Models.java):
  * op chain: ``y = y.mul(1.0001).add(0.0001)`` x1000 on a 1-element F32 tensor = 2000 ops;
    reported per op (chain time / 2000): forward no-grad, forward recorded, forward+backward
  * SGEMM: ``a @ b`` on square F32 matrices of side 128..2048, shown in GFLOP/s
  * elementwise: ``a + b``, ``a * b``, ``a.exp()`` on 1M (2^20) and 16M (2^24) F32 elements;
    ``a.sum()`` over 16M
  * MLP 784-512-512-10 (ReLU, cross-entropy, random data): train step (forward, loss,
    backward, optimizer step, zero_grad) at batch 64 and 256 with SGD (lr 0.01) and Adam
    (lr 1e-3); inference under no_grad at batch 64 and 256
  * CNN conv(1->32,3)-ReLU-maxpool2-conv(32->64,3)-ReLU-maxpool2-linear(1600->10), batch 64,
    28x28: train step (SGD lr 0.01) and inference, each also compiled on Walnut's side
    (Compiler.compileTrainStep, Compiler.compile) against the same PyTorch eager timing (PyTorch
    1.13 has no torch.compile)
  * imported ONNX models (group onnx, not among the defaults): torchvision resnet18 and
    mobilenet_v2 on 224x224 and a 4-layer nn.TransformerEncoder (d_model 256, 128 tokens) at
    batch 1 and 8, inference under no_grad: PyTorch eager runs the modules that
    walnut-onnx/src/test/python/export_models.py exported (same seed, so the same weights); the
    Walnut JMH file carries OnnxModelBenchmark (eager, compiled) and OrtBenchmark (ONNX Runtime,
    Java API, same threads), shown in a table of their own with the ratio Walnut compiled / ORT
  * memory (--memory): peak RSS of 200 MLP training steps (batch 64, Adam), each side in a
    process of its own; with --soak also 10,000 steps, RSS (and Walnut's heap) every 1,000

Usually started by bench/run.sh; on its own (after run.sh has left its JMH results behind):
    python3 bench/torch_compare.py --walnut walnut-bench/target/jmh.json

Without torch it prints Walnut's numbers only (and says so). ``--memory-child STEPS EVERY``
is the PyTorch side of the memory workload, run in a child process by this script.

With ``--djl FILE`` (JMH JSON of walnut-bench-djl, the same workloads in DJL with its PyTorch
engine; ``bench/run.sh --djl``) the table gets a DJL column and a ratio Walnut time / DJL time.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

CHAIN_LENGTH = 1000
OPS_PER_CHAIN = 2 * CHAIN_LENGTH  # 1000 mul + 1000 add; every op-chain figure is per one of these
GEMM_SIZES = (128, 256, 512, 1024, 2048)
ELEMENTWISE_SIZES = (1 << 20, 1 << 24)
SUM_SIZE = 1 << 24
BYTES_MOVED = {"add": 12, "mul": 12, "exp": 8, "sum": 4}  # F32 bytes read+written per element
MLP_BATCHES = (64, 256)
CNN_BATCH = 64
FUNC_BATCH = 64
FUNC_PER_SAMPLE_LIMIT, FUNC_JVP_LIMIT = 3.0, 1.5
MEMORY_STEPS = 200
# A timing counts as disturbed when other processes used more than this share of all CPUs meanwhile.
FOREIGN_LIMIT = 0.10
SOAK_STEPS, SOAK_EVERY = 10_000, 1_000

# Targets from the benchmark issue: ratio Walnut time / PyTorch time at most this much (for the
# op chain an absolute time per op; for memory the ratio of peak RSS).
TARGET_US_PER_OP = 1.5
TARGETS = {
    ("chain", "forwardBackward"): 0.2,
    ("mlp_train", "sgd", 64): 0.75, ("mlp_train", "adam", 64): 0.75,
    ("mlp_train", "sgd", 256): 0.9, ("mlp_train", "adam", 256): 0.9,
    ("mlp_infer", 64): 0.8, ("mlp_infer", 256): 0.8,
    ("cnn_train", CNN_BATCH): 0.9, ("cnn_train_compiled", CNN_BATCH): 0.7, ("cnn_infer_compiled", CNN_BATCH): 0.5,
    ("func", "perSampleGrads"): 1.0, ("func", "hvp"): 1.0,
}
TARGET_RSS_RATIO = 0.6
TARGET_SGEMM_SHARE = 0.6  # pure-Java SGEMM 1024 at >= 0.6 of OpenBLAS's GFLOP/s (PyTorch's BLAS here)

OP_PKG = "dev.walnut.bench."
DJL_PKG = "dev.walnut.bench.djl."  # walnut-bench-djl: same class, method and parameter names
GROUPS = ("chain", "gemm", "elementwise", "mlp", "cnn", "func", "memory", "onnx")
# Imported-model rows (OnnxBenchModels.java): benchmark name -> (export_models.py name, input shape
# without the batch), and issue 16's target, Walnut compiled time / ONNX Runtime time.
ONNX_MODELS = {"resnet18": ("resnet18_224", (3, 224, 224)), "mobilenet_v2": ("mobilenet_v2_224", (3, 224, 224)),
               "transformer": ("transformer_encoder", (128, 256))}
ONNX_LABELS = {"resnet18": "resnet18 224px", "mobilenet_v2": "mobilenet_v2 224px",
               "transformer": "TransformerEncoder 4x256, 128 tok"}
ONNX_BATCHES = (1, 8)
TARGET_ORT_RATIO = 1.0


# --------------------------------------------------------------------------- workloads

class Workload:
    """One row of the table: a key shared by both sides plus how to present it."""

    def __init__(self, key, label, kind, group, size=None, peer=None):
        self.key = key        # e.g. ("chain", "forwardBackward"), ("add", 1048576), ("mlp_train", "sgd", 64)
        self.peer = peer or key  # the PyTorch workload it is compared with (compiled rows: PyTorch eager's)
        self.label = label
        self.kind = kind      # "chain" | "gemm" | "elementwise" | "model"
        self.group = group    # one of GROUPS, for --only
        self.size = size


def workloads():
    rows = [
        Workload(("chain", "forwardNoGrad"), "op chain fwd noGrad", "chain", "chain"),
        Workload(("chain", "forwardRecorded"), "op chain fwd recorded", "chain", "chain"),
        Workload(("chain", "forwardBackward"), "op chain fwd+bwd", "chain", "chain"),
    ]
    for n in GEMM_SIZES:
        rows.append(Workload(("matmul", n), f"sgemm {n}", "gemm", "gemm", n))
    for op in ("add", "mul", "exp"):
        for n in ELEMENTWISE_SIZES:
            rows.append(Workload((op, n), f"{op} {n >> 20}M", "elementwise", "elementwise", n))
    rows.append(Workload(("sum", SUM_SIZE), f"sum {SUM_SIZE >> 20}M", "elementwise", "elementwise", SUM_SIZE))
    for opt in ("sgd", "adam"):
        for b in MLP_BATCHES:
            rows.append(Workload(("mlp_train", opt, b), f"MLP train {opt.upper() if opt == 'sgd' else 'Adam'} b{b}",
                                 "model", "mlp"))
    for b in MLP_BATCHES:
        rows.append(Workload(("mlp_infer", b), f"MLP inference b{b}", "model", "mlp"))
    rows.append(Workload(("cnn_train", CNN_BATCH), f"CNN train SGD b{CNN_BATCH}", "model", "cnn"))
    rows.append(Workload(("cnn_infer", CNN_BATCH), f"CNN inference b{CNN_BATCH}", "model", "cnn"))
    rows.append(Workload(("cnn_train_compiled", CNN_BATCH), f"CNN train SGD b{CNN_BATCH} compiled", "model", "cnn",
                         peer=("cnn_train", CNN_BATCH)))
    rows.append(Workload(("cnn_infer_compiled", CNN_BATCH), f"CNN inference b{CNN_BATCH} compiled", "model", "cnn",
                         peer=("cnn_infer", CNN_BATCH)))
    # Function transforms on the MLP at batch 64 (issue 17); PyTorch runs them with functorch.
    for method, label in (("perSampleGrads", "per-sample grads vmap(grad)"), ("batchedGrad", "batched grad"),
                          ("forward", "forward noGrad"), ("jvp", "jvp (forward mode)"), ("hvp", "hvp of the loss")):
        rows.append(Workload(("func", method), f"MLP b{FUNC_BATCH} {label}", "model", "func"))
    for model in ONNX_MODELS:
        for b in ONNX_BATCHES:
            rows.append(Workload(("onnx", model, b), f"{ONNX_LABELS[model]} b{b}", "model", "onnx"))
    return rows


def torch_mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def torch_cnn(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(1600, 10))


def torch_optimizer(torch, name, model):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=0.01)
    return torch.optim.Adam(model.parameters(), lr=1e-3)


def torch_train_step(torch, model, opt, x, y):
    """Models.trainStep: forward, loss, backward, step, zero_grad (zero-filled, as in Walnut)."""
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=False)
    return loss


def torch_func_callable(torch, method):
    """FuncBenchmark's workloads in functorch (bundled with Debian's PyTorch 1.13; torch.func in 2.x)."""
    try:
        from torch.func import functional_call, grad, vmap, jvp
    except ImportError:  # PyTorch 1.13: functorch's transforms, functional_call from torch.nn.utils.stateless
        from functorch import grad, vmap, jvp, vjp
        from torch.nn.utils.stateless import functional_call
    else:
        from torch.func import vjp
    gen = torch.Generator().manual_seed(42)
    torch.manual_seed(42)
    model = torch_mlp(torch)
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = torch.randn(FUNC_BATCH, 784, generator=gen)
    t = torch.randn(FUNC_BATCH, 784, generator=gen)
    y = torch.randint(0, 10, (FUNC_BATCH,), generator=gen)
    ct = {k: torch.randn(v.shape, generator=gen) for k, v in params.items()}
    ce = torch.nn.functional.cross_entropy

    def example_loss(p, xi, yi):
        return ce(functional_call(model, p, (xi.unsqueeze(0),)), yi.unsqueeze(0))

    def batch_loss(p):
        return ce(functional_call(model, p, (x,)), y)

    per_sample = vmap(grad(example_loss), in_dims=(None, 0, 0))

    def forward():
        with torch.no_grad():
            return model(x)

    def hvp():
        try:
            return jvp(grad(batch_loss), (params,), (ct,))
        except NotImplementedError:
            # PyTorch 1.13 has no forward rule for nll_loss_backward: reverse over reverse instead.
            return vjp(grad(batch_loss), params)[1](ct)

    fns = {
        "perSampleGrads": lambda: per_sample(params, x, y),
        "batchedGrad": lambda: grad(batch_loss)(params),
        "forward": forward,
        "jvp": lambda: jvp(lambda xi: functional_call(model, params, (xi,)), (x,), (t,)),
        "hvp": hvp,
    }
    return fns[method], 1


def torch_onnx_model(torch, name):
    """The PyTorch module an imported-model row's ONNX file was exported from (export_models.prepare)."""
    script_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "walnut-onnx", "src", "test", "python")
    if script_dir not in sys.path:
        sys.path.insert(0, script_dir)
    import export_models
    return export_models.prepare(ONNX_MODELS[name][0])[0]


def torch_callable(torch, key):
    """(callable, ops per call) for one workload key; the chain rows count 2000 ops per call."""
    gen = torch.Generator().manual_seed(42)
    kind = key[0]
    if kind == "onnx":
        model, x = torch_onnx_model(torch, key[1]), torch.randn(key[2], *ONNX_MODELS[key[1]][1], generator=gen)

        def infer():
            with torch.no_grad():
                return model(x)

        return infer, 1
    if kind == "func":
        return torch_func_callable(torch, key[1])
    if kind == "chain":
        x = torch.ones(1, dtype=torch.float32, requires_grad=True)

        def chain(v):
            y = v
            for _ in range(CHAIN_LENGTH):
                y = y.mul(1.0001).add(0.0001)
            return y

        def forward_backward():
            chain(x).backward()
            x.grad = None  # like Walnut's benchmark resetting the grad to null: same path every call

        def forward_recorded():
            chain(x)  # the graph is freed when y goes out of scope, like Walnut's clearTape()

        def forward_no_grad():
            with torch.no_grad():
                chain(x)

        fn = {"forwardBackward": forward_backward, "forwardRecorded": forward_recorded,
              "forwardNoGrad": forward_no_grad}[key[1]]
        return fn, OPS_PER_CHAIN
    if kind == "matmul":
        n = key[1]
        a, b = torch.rand(n, n, generator=gen), torch.rand(n, n, generator=gen)
        return (lambda: a @ b), 1
    if kind in ("add", "mul", "exp", "sum"):
        n = key[1]
        a, b = torch.rand(n, generator=gen), torch.rand(n, generator=gen)
        return {"add": lambda: a + b, "mul": lambda: a * b, "exp": lambda: a.exp(), "sum": lambda: a.sum()}[kind], 1
    torch.manual_seed(42)
    if kind == "mlp_train":
        model, batch = torch_mlp(torch), key[2]
        opt = torch_optimizer(torch, key[1], model)
        x, y = torch.randn(batch, 784, generator=gen), torch.randint(0, 10, (batch,), generator=gen)
        return (lambda: torch_train_step(torch, model, opt, x, y)), 1
    if kind == "mlp_infer":
        model, x = torch_mlp(torch), torch.randn(key[1], 784, generator=gen)
    elif kind == "cnn_train":
        model = torch_cnn(torch)
        opt = torch_optimizer(torch, "sgd", model)
        x, y = torch.randn(key[1], 1, 28, 28, generator=gen), torch.randint(0, 10, (key[1],), generator=gen)
        return (lambda: torch_train_step(torch, model, opt, x, y)), 1
    elif kind == "cnn_infer":
        model, x = torch_cnn(torch), torch.randn(key[1], 1, 28, 28, generator=gen)
    else:
        raise KeyError(key)

    def inference():
        with torch.no_grad():
            return model(x)

    return inference, 1


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


def measure(fn, ops_per_call, warmup, iterations, seconds):
    """JMH-like schedule; returns the measured iterations' seconds per op (one value each)."""
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
    return scores


# --------------------------------------------------------------------------- JMH results

_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "min": 60.0}


def seconds_per_op(score, unit):
    """Converts a JMH score to seconds per op (JMH's op = one invocation / OPI)."""
    num, _, den = unit.partition("/")
    if den == "op" and num in _TIME_UNITS:            # AverageTime / SampleTime: "us/op"
        return score * _TIME_UNITS[num]
    if num == "ops" and den in _TIME_UNITS:           # Throughput: "ops/s"
        return _TIME_UNITS[den] / score
    raise ValueError(f"unsupported JMH score unit {unit!r}")


def walnut_key(cls, method, params):
    if cls == "OpOverheadBenchmark":
        return ("chain", method)
    if cls == "GemmBenchmark" and method == "matmul":
        return ("matmul", int(params["size"]))
    if cls in ("ElementwiseBenchmark", "ReductionBenchmark"):
        return (method, int(params["size"]))
    if cls == "MlpTrainBenchmark":
        return ("mlp_train", params["optimizer"], int(params["batch"]))
    if cls == "MlpInferenceBenchmark":
        return ("mlp_infer", int(params["batch"]))
    if cls == "FuncBenchmark":
        return ("func", method)
    if cls == "CnnBenchmark":
        kind = {"trainStep": "cnn_train", "inference": "cnn_infer", "compiledTrainStep": "cnn_train_compiled",
                "compiledInference": "cnn_infer_compiled"}[method]
        return (kind, int(params["batch"]))
    if cls == "OnnxModelBenchmark":  # method: eager, compiled or reduceOverhead
        return ("onnx", params["model"], int(params["batch"]), method)
    if cls == "OrtBenchmark":
        return ("onnx", params["model"], int(params["batch"]), "ort")
    return None


def load_walnut(path, package=OP_PKG):
    """Maps workload keys to per-iteration seconds per op from a JMH JSON result file; results
    without a PyTorch twin (e.g. the raw sgemm kernel) go to ``extra``. ``package`` is the
    benchmarks' package (DJL_PKG for walnut-bench-djl, whose classes mirror walnut-bench's)."""
    with open(path) as f:
        results = json.load(f)
    out, extra, meta = {}, [], {}
    for r in results:
        meta = {"jdk": r.get("jdkVersion", "?"), "vm": r.get("vmName", "?"),
                "jvmArgs": " ".join(r.get("jvmArgs", []))}
        cls, _, method = r["benchmark"].removeprefix(package).rpartition(".")
        params = r.get("params", {})
        pm = r["primaryMetric"]
        raw = [s for fork in pm.get("rawData", [[pm["score"]]]) for s in fork]
        secs = [seconds_per_op(s, pm["scoreUnit"]) for s in raw]
        key = walnut_key(cls, method, params)
        if key is None:
            size = int(params["size"]) if cls == "GemmBenchmark" else None
            extra.append((f"{cls}.{method} {params}", secs, size))
        else:
            out[key] = secs
    return out, extra, meta


# --------------------------------------------------------------------------- presentation

def stats(secs):
    return statistics.median(secs), min(secs), max(secs)


def fmt_time(w, s):
    if w.kind == "chain":
        return f"{s * 1e6:.3f}"
    ms = s * 1e3
    return f"{ms:.3f}" if ms < 100 else f"{ms:.1f}"


def unit(w):
    return {"chain": "µs/op", "gemm": "GFLOP/s", "elementwise": "ms", "model": "ms"}[w.kind]


def cell(w, secs):
    """'median [min–max]' in the row's unit; GEMM rows in GFLOP/s (so min and max swap)."""
    if not secs:
        return "-"
    med, lo, hi = stats(secs)
    if w.kind == "gemm":
        flop = 2.0 * w.size ** 3
        return f"{flop / med / 1e9:.1f} [{flop / hi / 1e9:.1f}–{flop / lo / 1e9:.1f}]"
    return f"{fmt_time(w, med)} [{fmt_time(w, lo)}–{fmt_time(w, hi)}]"


def target_note(w, mine, ratio):
    if w.key == ("matmul", 1024) and ratio is not None:
        share = 1 / ratio
        return f"≥ {TARGET_SGEMM_SHARE}x OpenBLAS: {'met' if share >= TARGET_SGEMM_SHARE else 'NOT met'} ({share:.2f}x)"
    if w.key == ("chain", "forwardBackward") and mine:
        us = statistics.median(mine) * 1e6
        absolute = f"≤ {TARGET_US_PER_OP} µs/op: {'met' if us <= TARGET_US_PER_OP else 'NOT met'}"
        if ratio is None:
            return absolute
        return f"≤ {TARGETS[w.key]}: {'met' if ratio <= TARGETS[w.key] else 'NOT met'}; {absolute}"
    t = TARGETS.get(w.key)
    if t is not None and ratio is not None:
        return f"≤ {t}: {'met' if ratio <= t else 'NOT met'}"
    if t is not None:
        return f"≤ {t}"
    return ""


def rate_note(w, secs):
    """Bandwidth for the elementwise rows (median), to compare with the machine's memory bandwidth."""
    if w.kind != "elementwise" or not secs:
        return ""
    return f"{BYTES_MOVED[w.key[0]] * w.size / statistics.median(secs) / 1e9:.1f} GB/s"


# --------------------------------------------------------------------------- memory

def parse_time_v(stderr):
    """Maximum resident set size in kB from /usr/bin/time -v output, or None."""
    for line in stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1])
    return None


def run_probe(cmd, use_time):
    """Runs one memory process; returns (JSON lines it printed, peak RSS kB, how it was measured)."""
    full = (["/usr/bin/time", "-v"] if use_time else []) + cmd
    lines = []
    with subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        for line in p.stdout:  # progress as it comes: a soak under load can take a while
            if line.startswith("{"):
                lines.append(json.loads(line))
                s = lines[-1]
                print(f"[memory]   step {s['step']}: RSS {s['rss_kb'] / 1024:.1f} MiB", file=sys.stderr, flush=True)
        stderr = p.stderr.read()
    if p.returncode != 0:
        raise RuntimeError(f"memory probe failed ({p.returncode}): {' '.join(full)}\n{stderr[-2000:]}")
    peak = parse_time_v(stderr) if use_time else None
    how = "/usr/bin/time -v" if peak is not None else "VmHWM"
    if peak is None:
        peak = lines[-1]["hwm_kb"]
    return lines, peak, how


def cpu_busy_seconds():
    """CPU seconds all processes have spent busy since boot (/proc/stat), or None where it is missing."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def foreign_share(busy_before, busy_after, own_cpu_seconds, wall_seconds):
    """The share of all CPUs that processes other than the timed one used during a timing window:
    (CPU time of everything - the timed process's own CPU time) / (wall time x CPUs). The load
    average cannot tell this: it counts the timed process's own threads, and PyTorch's spinning
    OpenMP workers alone keep it at the thread count."""
    if busy_before is None or busy_after is None or wall_seconds <= 0:
        return None
    others = (busy_after - busy_before) - own_cpu_seconds
    return max(0.0, others / (wall_seconds * (os.cpu_count() or 1)))


def read_load():
    """The 1-minute load average, or None where /proc/loadavg is missing."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def memory_child(steps, every, threads):
    """The PyTorch side of the memory workload (runs in its own process)."""
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = torch_mlp(torch)
    opt = torch_optimizer(torch, "adam", model)
    x, y = torch.randn(64, 784), torch.randint(0, 10, (64,))

    def report(step, last):
        status = open("/proc/self/status").read()
        kb = {l.split(":")[0]: int(l.split()[1]) for l in status.splitlines() if l.startswith(("VmRSS", "VmHWM"))}
        print(json.dumps({"step": step, "rss_kb": kb.get("VmRSS", -1), "hwm_kb": kb.get("VmHWM", -1), "final": last}),
              flush=True)

    report(0, False)
    for step in range(1, steps + 1):
        torch_train_step(torch, model, opt, x, y)
        if every and step % every == 0 and step != steps:
            report(step, False)
    report(steps, True)


def run_memory(args, have_torch, soak):
    use_time = os.access("/usr/bin/time", os.X_OK)
    java = [args.java, *args.memory_jvm_args.split(), "-cp", args.jar, "dev.walnut.bench.MemoryProbe"]
    py = [sys.executable, os.path.abspath(__file__), "--threads", str(args.threads), "--memory-child"]
    steps, every = (SOAK_STEPS, SOAK_EVERY) if soak else (MEMORY_STEPS, 0)
    label = "soak" if soak else "peak"
    print(f"[memory] {label}: Walnut, {steps} MLP steps (batch 64, Adam), JVM {args.memory_jvm_args}",
          file=sys.stderr, flush=True)
    w_lines, w_peak, how = run_probe(java + [str(steps), str(every)], use_time)
    t_lines, t_peak = None, None
    if have_torch:
        print(f"[memory] {label}: PyTorch, {steps} MLP steps", file=sys.stderr, flush=True)
        t_lines, t_peak, _ = run_probe(py + [str(steps), str(every)], use_time)
    return {"steps": steps, "every": every, "measured_with": how, "walnut_jvm_args": args.memory_jvm_args,
            "walnut": {"peak_rss_kb": w_peak, "samples": w_lines},
            "pytorch": None if t_lines is None else {"peak_rss_kb": t_peak, "samples": t_lines}}


def soak_verdict(samples, heap):
    """Growth between the first sample after warm-up (step 1000) and the last one."""
    if len(samples) < 3:
        return "too few samples"
    a, b = samples[1], samples[-1]
    rss = (b["rss_kb"] - a["rss_kb"]) / 1024
    parts = [f"RSS {rss:+.1f} MiB"]
    grows = rss > 0.05 * a["rss_kb"] / 1024
    if heap:
        dh = (b["heap_used_kb"] - a["heap_used_kb"]) / 1024
        parts.append(f"live heap {dh:+.2f} MiB")
        grows = grows or dh > 1.0
    return (("GROWS" if grows else "stable") + f" from step {a['step']} to {b['step']} (" + ", ".join(parts) + ")")


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--walnut", action="append", default=[],
                    help="JMH JSON result file (-rf json -rff FILE); repeat for several")
    ap.add_argument("--warmup", type=int, default=3, help="warmup iterations (JMH -wi)")
    ap.add_argument("--forks", type=int, default=1, help="JMH forks per Walnut benchmark (iterations pooled)")
    ap.add_argument("--iterations", type=int, default=5, help="measured iterations (JMH -i)")
    ap.add_argument("--time", type=float, default=1.0, help="seconds per iteration (JMH -w/-r)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (match walnut.threads)")
    ap.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups out of {','.join(GROUPS)}")
    ap.add_argument("--no-torch", action="store_true", help="print Walnut's numbers only")
    ap.add_argument("--djl", action="append", default=[],
                    help="JMH JSON result file of walnut-bench-djl (adds a DJL column); repeat for several")
    ap.add_argument("--djl-info", help="one line describing the DJL side (DJL and libtorch versions, threads)")
    ap.add_argument("--soak", action="store_true", help=f"also run the {SOAK_STEPS}-step memory soak")
    ap.add_argument("--jar", default="walnut-bench/target/walnut-bench.jar", help="for the memory workload")
    ap.add_argument("--java", default="java", help="java launcher for the memory workload")
    ap.add_argument("--memory-jvm-args", default="-Xmx128m -XX:+UseSerialGC",
                    help="JVM options of the Walnut memory process")
    ap.add_argument("--results", default="walnut-bench/results", help="where the JSON and Markdown go")
    ap.add_argument("--load-before", type=float, help="1-minute load average before the run (for a warning)")
    ap.add_argument("--foreign-walnut", type=float,
                    help="share of the CPUs other processes used while Walnut's JMH ran (from run.sh)")
    ap.add_argument("--foreign-djl", type=float,
                    help="share of the CPUs other processes used while DJL's JMH ran (from run.sh)")
    ap.add_argument("--memory-child", nargs=2, type=int, metavar=("STEPS", "EVERY"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    # OpenBLAS/OpenMP read their thread counts when loaded, before set_num_threads can help.
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    if args.memory_child:
        memory_child(*args.memory_child, args.threads)
        return 0

    groups = [g for g in args.only.split(",") if g]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        sys.exit(f"torch_compare.py: unknown group(s) {unknown}; known: {','.join(GROUPS)}")

    walnut, extra, meta = {}, [], {}
    for path in args.walnut:
        if not os.path.exists(path):
            sys.exit(f"torch_compare.py: no JMH result file at {path}")
        found, more, m = load_walnut(path)
        walnut.update(found)
        extra.extend(more)
        meta = m or meta

    djl, djl_meta = {}, {}
    for path in args.djl:
        if not os.path.exists(path):
            sys.exit(f"torch_compare.py: no DJL JMH result file at {path}")
        found, _, m = load_walnut(path, DJL_PKG)
        djl.update(found)
        djl_meta = m or djl_meta
    with_djl = bool(args.djl)

    torch, torch_note = None, None
    if args.no_torch:
        torch_note = "PyTorch comparison skipped (--no-torch)."
    else:
        try:
            import torch as _torch
            torch = _torch
        except ImportError as e:
            torch_note = (f"PyTorch is not available ({e}); showing Walnut's numbers only. Install it with "
                          "`apt-get install -y python3-torch python3-numpy libopenblas0-pthread` "
                          "(or bench/run.sh --install).")

    rows = [w for w in workloads() if w.group in groups]
    theirs = {}
    foreign_torch = None
    if torch is not None:
        torch.set_num_threads(args.threads)
        busy0, own0, wall0 = cpu_busy_seconds(), os.times(), time.perf_counter()
        print(f"[torch] timing {len(rows)} workloads: {args.warmup} warmup + {args.iterations} measured "
              f"iterations of {args.time:g} s, {args.threads} threads", file=sys.stderr, flush=True)
        for w in rows:
            if w.peer in theirs:  # a compiled row: PyTorch eager's timing, already taken
                theirs[w.key] = theirs[w.peer]
                continue
            fn, opi = torch_callable(torch, w.peer)
            theirs[w.key] = theirs[w.peer] = measure(fn, opi, args.warmup, args.iterations, args.time)
            print(f"[torch]   {w.label:24s} {cell(w, theirs[w.key])} {unit(w)}", file=sys.stderr, flush=True)
        own1 = os.times()
        foreign_torch = foreign_share(busy0, cpu_busy_seconds(), (own1.user - own0.user) + (own1.system - own0.system),
                                      time.perf_counter() - wall0)

    # PyTorch's OpenMP threads spin while they wait, so on a machine whose cores are busy with
    # other work its multi-threaded timings degrade far more than Walnut's (whose fork-join
    # workers park): a loaded run flatters Walnut. Hence what other processes used is measured
    # during each side's timing.
    memory = soak = None
    if "memory" in groups:
        memory = run_memory(args, torch is not None, soak=False)
        if args.soak:
            soak = run_memory(args, torch is not None, soak=True)

    # ---- environment
    env = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "host": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_before": args.load_before,
        "schedule": f"{args.warmup} warmup + {args.iterations} measured iterations of {args.time:g} s"
                    + (f"; Walnut: {args.forks} JVM forks, iterations pooled" if args.forks > 1 else ""),
        "threads": args.threads,
    }
    if meta:
        env["walnut"] = f"JDK {meta['jdk']} ({meta['vm']}), JVM args: {meta['jvmArgs']}"
    if with_djl:
        env["djl"] = ", ".join(x for x in (args.djl_info, djl_meta and f"JVM args: {djl_meta['jvmArgs']}") if x)
    if torch is not None:
        env["pytorch"] = (f"{torch.__version__}, {torch.get_num_threads()} threads, "
                          f"BLAS: {loaded_blas() or 'unknown'}")

    foreign = {side: round(share, 3) for side, share in
               (("walnut", args.foreign_walnut), ("pytorch", foreign_torch), ("djl", args.foreign_djl))
               if share is not None}
    if foreign:
        env["cpu_used_by_other_processes"] = ", ".join(f"{side} timing {share:.0%}" for side, share in foreign.items())
    cpus = os.cpu_count() or 1
    busy_sides = [side for side, share in foreign.items() if share > FOREIGN_LIMIT]
    # The load average before the run still carries the last minute's work (often the build), so
    # it decides only where no timing window could be measured.
    loaded = bool(busy_sides) if foreign else (args.load_before is not None and args.load_before > 0.5 * cpus)

    # ---- table rows
    table = []
    for w in rows:
        if w.group == "onnx":  # their own table below: three runtimes, not two
            continue
        mine, other, peer = walnut.get(w.key), theirs.get(w.key), djl.get(w.key)
        if not mine and not other and not peer:
            continue
        ratio = statistics.median(mine) / statistics.median(other) if mine and other else None
        row = {
            "workload": w.label, "unit": unit(w), "walnut": cell(w, mine), "pytorch": cell(w, other),
            "ratio": None if ratio is None else round(ratio, 3),
            "target": target_note(w, mine, ratio) + (" (loaded machine: unreliable)" if loaded and ratio is not None
                                                     and w.key in TARGETS else ""),
            "note": rate_note(w, mine),
            "walnut_seconds": mine, "pytorch_seconds": other,
        }
        if with_djl:
            ratio_djl = statistics.median(mine) / statistics.median(peer) if mine and peer else None
            row.update({"djl": cell(w, peer), "ratio_djl": None if ratio_djl is None else round(ratio_djl, 3),
                        "djl_seconds": peer})
        table.append(row)
    for name, secs, size in extra:
        w = Workload(name, name, "gemm" if size else "model", "gemm", size)
        row = {"workload": name, "unit": unit(w), "walnut": cell(w, secs), "pytorch": "", "ratio": None,
               "target": "", "note": "no PyTorch twin", "walnut_seconds": secs, "pytorch_seconds": None}
        if with_djl:
            row.update({"djl": "", "ratio_djl": None, "djl_seconds": None})
        table.append(row)

    notes = [
        "Cells are median [min–max] over the measured iterations; an iteration's score is its mean time per call.",
        "ratio = Walnut time / PyTorch time (medians): < 1 means Walnut is faster. For the SGEMM rows the cells "
        "are GFLOP/s and the ratio is still the time ratio, i.e. PyTorch GFLOP/s ÷ Walnut GFLOP/s.",
        f"op chain: {CHAIN_LENGTH} x (mul, add) on a 1-element F32 tensor = {OPS_PER_CHAIN} ops; µs per op.",
    ]
    if not table:  # only the imported-model table: the notes above describe the main one
        notes = notes[:1]
    if with_djl:
        notes.append("DJL: the same workloads in DJL with its PyTorch engine (walnut-bench-djl, JMH, same schedule "
                     "and threads); ratio W/D = Walnut time / DJL time (medians), < 1 means Walnut is faster. "
                     "Targets refer to the PyTorch column.")
    blas = env.get("pytorch", "")
    if "/blas/libblas" in blas:
        notes.append("Warning: PyTorch is using the netlib reference BLAS (single-threaded, unoptimised), so its "
                     "SGEMM/Linear numbers understate PyTorch; `apt-get install -y libopenblas0-pthread` fixes that.")
    if loaded:
        notes.append(f"Warning: other processes competed for the {cpus} CPUs (load average {args.load_before} "
                     "before the run; share of the CPUs they used during each side's timing: "
                     f"{env.get('cpu_used_by_other_processes', 'not measured')}; over {FOREIGN_LIMIT:.0%} counts as "
                     "busy), so the numbers are unreliable, PyTorch's most (its OpenMP threads spin while "
                     "waiting). Rerun on an idle machine before judging the targets.")
    notes.extend(func_notes(walnut, theirs))
    if any(w.group == "cnn" for w in rows):
        notes.append("CNN rows: each Walnut row first ran its call until the JVM's JIT compiled nothing for a whole "
                     "second (JitWarmup), then JMH's warm-up; PyTorch's the schedule above.")
    if torch_note:
        notes.append(torch_note)

    onnx = onnx_rows([w for w in rows if w.group == "onnx"], walnut, theirs, loaded)
    if onnx:
        notes.append("Imported ONNX models: Walnut compiled = Compiler.compile of the imported OnnxModel under noGrad "
                     "(eager = node by node), reduce-overhead = the same with CompileMode.REDUCE_OVERHEAD (planned arena); ORT = ONNX Runtime's Java API on the CPU, the same file and input, "
                     f"{args.threads} intra-op threads, all graph optimizations; PyTorch = the exported nn.Module, "
                     "eager, no_grad. W/ORT and W/P use the faster of Walnut compiled and reduce-overhead (medians). "
                     "Walnut and ORT ran in the same JMH run; each Walnut and ORT row first ran its call until "
                     "the JVM's JIT compiled nothing for a whole second (JitWarmup), then JMH's warm-up.")

    md = render_markdown(env, table, memory, soak, notes, with_djl, onnx)
    print()
    print(md)
    write_results(args.results, env, table, memory, soak, notes, md, onnx)
    return 0


def onnx_rows(rows, walnut, theirs, loaded):
    """Issue 16's rows: Walnut compiled and eager, ONNX Runtime and PyTorch eager per model and batch."""
    out = []
    ms = lambda secs: cell(Workload(None, "", "model", "onnx"), secs)
    for w in rows:
        _, model, batch = w.key
        compiled, eager, ort, arena = (walnut.get(("onnx", model, batch, m))
                                       for m in ("compiled", "eager", "ort", "reduceOverhead"))
        other = theirs.get(w.key)
        if not (compiled or eager or ort or other):
            continue
        med = lambda secs: statistics.median(secs) if secs else None
        # The ratios use the faster of the two compile modes (both are reported; which one wins
        # depends on the model: the arena's planned buffers help small batches, not every model).
        best = min((m for m in (compiled, arena) if m), key=statistics.median, default=None)
        r_ort = med(best) / med(ort) if best and ort else None
        r_pt = med(best) / med(other) if best and other else None
        target = f"≤ {TARGET_ORT_RATIO}x ORT"
        if r_ort is not None:
            target += f": {'met' if r_ort <= TARGET_ORT_RATIO else 'NOT met'}" + (" (loaded machine: unreliable)"
                                                                                 if loaded else "")
        out.append({"workload": w.label, "unit": "ms", "walnut_compiled": ms(compiled),
                    "walnut_reduce_overhead": ms(arena), "walnut_eager": ms(eager),
                    "ort": ms(ort), "pytorch": ms(other),
                    "ratio_ort": None if r_ort is None else round(r_ort, 3),
                    "ratio_pytorch": None if r_pt is None else round(r_pt, 3), "target": target,
                    "walnut_compiled_seconds": compiled, "walnut_reduce_overhead_seconds": arena,
                    "walnut_eager_seconds": eager, "ort_seconds": ort,
                    "pytorch_seconds": other})
    return out


def onnx_lines(onnx):
    if not onnx:
        return []
    f = lambda r: "" if r is None else f"{r:.2f}"
    out = ["", "### Imported ONNX models: Walnut vs ONNX Runtime vs PyTorch (inference, ms per forward pass)", "",
           "| workload | Walnut reduce-overhead | Walnut compiled | Walnut eager | ONNX Runtime | PyTorch eager | ratio W/ORT "
           "| ratio W/P | target |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in onnx:
        out.append(f"| {r['workload']} | {r.get('walnut_reduce_overhead') or '-'} | {r['walnut_compiled']} | {r['walnut_eager']} "
                   f"| {r['ort']} | {r['pytorch']} | "
                   f"{f(r['ratio_ort'])} | {f(r['ratio_pytorch'])} | {r['target']} |")
    return out


def func_notes(walnut, theirs):
    """Issue 17's targets within one side: per-sample grads <= 3x the batched grad, jvp <= 1.5x the forward."""
    out = []
    for side, times in (("Walnut", walnut), ("PyTorch", theirs)):
        for num, den, limit, what in (("perSampleGrads", "batchedGrad", FUNC_PER_SAMPLE_LIMIT, "per-sample grads / batched grad"),
                                      ("jvp", "forward", FUNC_JVP_LIMIT, "jvp / forward")):
            a, b = times.get(("func", num)), times.get(("func", den))
            if a and b:
                r = statistics.median(a) / statistics.median(b)
                verdict = f" (target ≤ {limit}: {'met' if r <= limit else 'NOT met'})" if side == "Walnut" else ""
                out.append(f"func, {side}: {what} = {r:.2f}{verdict}.")
    return out


def memory_lines(memory, soak):
    out = []
    if memory:
        w, t = memory["walnut"]["peak_rss_kb"], (memory["pytorch"] or {}).get("peak_rss_kb")
        ratio = f"{w / t:.2f}" if t else "-"
        verdict = ("met" if t and w / t <= TARGET_RSS_RATIO else "NOT met") if t else ""
        out += ["", f"### Memory: peak RSS, {memory['steps']} MLP train steps (batch 64, Adam), one process per side",
                "", "| | Walnut | PyTorch | ratio | target |", "|---|---:|---:|---:|---|",
                f"| peak RSS ({memory['measured_with']}) | {w / 1024:.1f} MiB | "
                + (f"{t / 1024:.1f} MiB" if t else "-") + f" | {ratio} | ≤ {TARGET_RSS_RATIO}: {verdict} |",
                "", f"Walnut JVM options: `{memory['walnut_jvm_args']}`."]
    if soak:
        ws = soak["walnut"]["samples"]
        ts = (soak["pytorch"] or {}).get("samples") or []
        tby = {s["step"]: s for s in ts}
        out += ["", f"### Memory soak: {soak['steps']} MLP train steps, tape cleared each step (zeroGrad)", "",
                "| step | Walnut RSS | Walnut live heap (after GC) | PyTorch RSS |", "|---:|---:|---:|---:|"]
        for s in ws:
            t = tby.get(s["step"])
            out.append(f"| {s['step']} | {s['rss_kb'] / 1024:.1f} MiB | {s['heap_used_kb'] / 1024:.2f} MiB | "
                       + (f"{t['rss_kb'] / 1024:.1f} MiB" if t else "-") + " |")
        out += ["", f"Walnut: {soak_verdict(ws, True)}; tape size at the end: {ws[-1]['tape_size']}.",
                f"PyTorch: {soak_verdict(ts, False)}." if ts else "",
                f"Peak RSS over the soak: Walnut {soak['walnut']['peak_rss_kb'] / 1024:.1f} MiB"
                + (f", PyTorch {soak['pytorch']['peak_rss_kb'] / 1024:.1f} MiB" if soak["pytorch"] else "") + "."]
    return out


def render_markdown(env, table, memory, soak, notes, with_djl=False, onnx=None):
    out = [f"## Walnut vs PyTorch{' and DJL' if with_djl else ''} ({env['date']})", ""]
    for k in ("host", "walnut", "pytorch", "djl", "schedule", "threads", "load_before", "cpu_used_by_other_processes"):
        if env.get(k) is not None:
            out.append(f"- {k.replace('_', ' ')}: {env[k]}")
    djl_head, djl_rule = (" DJL median [min–max] | ratio W/D |", "---:|---:|") if with_djl else ("", "")
    if table:
        out += ["", "| workload | unit | Walnut median [min–max] | PyTorch median [min–max] | ratio W/P |" + djl_head
                + " target | note |", "|---|---|---:|---:|---:|" + djl_rule + "---|---|"]
    for r in table:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        djl_cells = ""
        if with_djl:
            djl_cells = f" {r['djl']} | {'' if r['ratio_djl'] is None else format(r['ratio_djl'], '.2f')} |"
        out.append(f"| {r['workload']} | {r['unit']} | {r['walnut']} | {r['pytorch']} | {ratio} |{djl_cells} "
                   f"{r['target']} | {r['note']} |")
    out += onnx_lines(onnx)
    out += memory_lines(memory, soak)
    out += [""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


def write_results(directory, env, table, memory, soak, notes, md, onnx=None):
    os.makedirs(directory, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    doc = {"environment": env, "rows": table, "onnx": onnx or [], "memory": memory, "soak": soak, "notes": notes}
    base = os.path.join(directory, f"bench-{stamp}")
    with open(base + ".json", "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
    with open(base + ".md", "w") as f:
        f.write(md)
    shutil.copyfile(base + ".json", os.path.join(directory, "latest.json"))
    shutil.copyfile(base + ".md", os.path.join(directory, "latest.md"))
    print(f"Results: {base}.json, {base}.md (also latest.json, latest.md)", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
