#!/usr/bin/env python3
"""Prints an ONNX Runtime session profile (JSON, from SessionOptions.enableProfiling) as a table:
one row per node of the optimized graph, in execution order, with its op, output shape and mean
microseconds per run over the runs after the first SKIP. Used by bench/profile.sh.

    python3 bench/ort_profile.py PROFILE.json SKIP
"""
import collections
import json
import sys


def main(path, skip):
    events = json.load(open(path))
    runs = [e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
    if len(runs) <= skip:
        sys.exit(f"ort_profile.py: {path} has {len(runs)} runs, fewer than the {skip} to skip")
    start = runs[skip]["ts"]
    kept = len(runs) - skip
    rows = collections.OrderedDict()
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time") or e["ts"] < start:
            continue
        name = e["name"][: -len("_kernel_time")]
        args = e.get("args", {})
        shapes = [list(d.values())[0] for d in args.get("output_type_shape", [])]
        row = rows.setdefault(name, [args.get("op_name", "?"), shapes, 0])
        row[2] += e["dur"]
    total = sum(r[2] for r in rows.values()) / kept
    print(f"ONNX Runtime nodes: {kept} runs, {total / 1000:.3f} ms per run in nodes")
    print(f"{'us/run':>9} {'share':>6}  {'op':<22} output shape   node")
    for name, (op, shapes, dur) in rows.items():
        us = dur / kept
        print(f"{us:9.1f} {100 * us / total:5.1f}%  {op:<22} {str(shapes):<14} {name[-60:]}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
