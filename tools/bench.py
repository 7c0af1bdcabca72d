#!/usr/bin/env python3
"""Zoo benchmark: hlo-coreml against stablehlo-coreml on the same StableHLO.

    python tools/bench.py                          # every zoo model, full size, + GPT-2 scaling run
    python tools/bench.py --quick                  # small configurations, 1 repeat (~2 min)
    python tools/bench.py --models gpt2 bert --repeats 5
    python tools/bench.py --no-scaling --precision fp32 --out /tmp/bench
    python tools/bench.py --llm-package full       # only the LLM package page (docs/bench/llm.md)

Needs the [bench] extra (stablehlo-coreml, matplotlib, flax, equinox).
Each zoo model is exported once with jax.export (cached under .bench-cache/,
keyed by a digest of examples/zoo). Then, for each converter and repeat, a
fresh process (tools/bench_worker.py) converts the cached artifact to a
saved .mlpackage, timing it (imports excluded) and reading its peak RSS;
another fresh process analyses the saved package: MIL op count by type,
highest tensor rank, share of compute ops in fp16, and max error against
JAX through hlo-coreml's reference interpreter. A converter's failure is
recorded with its error, never raised.

Writes <out>/results.json, <out>/README.md (tables) and PNG charts.
Times are medians over --repeats; peak RSS is the median of the runs'
VmHWM. The headline is the ratio ours / peer, which depends much less on
the machine than absolute figures.

This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "bench_worker.py")
sys.path.insert(0, REPO)

SCALING_LAYERS = (1, 2, 4, 8, 12)
CONVERTERS = ("ours", "peer")
LABEL = {"ours": "hlo-coreml", "peer": "stablehlo-coreml"}


# -- the floor ----------------------------------------------------------------------


class _Steps:
    """CPU (process_time) and wall seconds of named steps."""

    def __init__(self):
        self.cpu, self.wall = {}, {}

    def run(self, name, fn):
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c
        self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - w
        return out

    def result(self, **extra) -> dict:
        return {"floor_steps_cpu": self.cpu, "floor_steps_wall": self.wall,
                "floor_cpu_s": sum(self.cpu.values()), "floor_wall_s": sum(self.wall.values()), **extra}


def _walk_constants(module):
    """The arrays of every stablehlo.constant in `module` (zero-copy views).
    Complex constants are left out: jaxlib's bindings cannot hand them out
    (passes/split_complex/constants.py), so the floor of a model with
    complex weights (fno) is too low, never too high."""
    import numpy as np

    from hlo_coreml._mlir import ir

    out = []

    def visit(op):
        for region in op.regions:
            for block in region.blocks:
                for inner in block.operations:
                    if inner.operation.name == "stablehlo.constant":
                        element = ir.ShapedType(inner.results[0].type).element_type
                        if not isinstance(element, ir.ComplexType):
                            out.append(np.asarray(inner.attributes["value"]))
                    visit(inner.operation)

    visit(module.operation)
    return out


def _cast_and_write(steps, arrays, out_path) -> int:
    """Cast the float arrays to fp16 (others kept) and write them to one file."""
    import numpy as np

    halves = steps.run("cast", lambda: [a.astype(np.float16) if a.dtype.kind == "f" else a for a in arrays])

    def write():
        with open(out_path, "wb") as f:
            for h in halves:
                f.write(np.ascontiguousarray(h).data)

    steps.run("write", write)
    size = os.path.getsize(out_path)
    os.remove(out_path)
    return size


def floor(artifact: str, out_path: str) -> dict:
    """What converting the serialized jax.export `artifact` costs at least:
    read the file, `jax.export.deserialize`, parse the StableHLO module,
    take its constants as NumPy arrays, cast them to fp16, write them to one
    file. Returns the CPU and wall seconds of each step and in total, and
    the constants' bytes (fp32 and written)."""
    import jax

    from hlo_coreml._mlir import make_context, stablehlo

    steps = _Steps()

    def read():
        with open(artifact, "rb") as f:
            data = bytearray(os.fstat(f.fileno()).st_size)
            f.readinto(data)
        return data

    # Each step's input is dropped as soon as the next step has its output
    # (a list the step empties), as a converter holding one copy would.
    held = [steps.run("read", read)]
    exported = steps.run("deserialize", lambda: jax.export.deserialize(held.pop()))
    held = [exported.mlir_module_serialized]
    del exported
    context = make_context()
    module = steps.run("parse", lambda: stablehlo.deserialize_portable_artifact(context, held.pop()))
    arrays = steps.run("constants", lambda: _walk_constants(module))
    written = _cast_and_write(steps, arrays, out_path)
    return steps.result(constant_bytes=sum(a.nbytes for a in arrays), written_bytes=written)


def floor_of_params(fn, params, example_args, out_path: str) -> dict:
    """The floor of `compile(fn, params, *example_args, constants=params)`:
    trace and export `fn` with the weights as arguments (shapes only),
    parse the module, cast every weight to fp16 and write it to one file."""
    import jax
    import numpy as np

    from hlo_coreml._mlir import make_context, stablehlo

    steps = _Steps()

    def export():
        shapes = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(np.shape(a), np.asarray(a).dtype), params)
        return jax.export.export(jax.jit(fn))(shapes, *example_args)

    exported = steps.run("export", export)
    context = make_context()
    steps.run("parse", lambda: stablehlo.deserialize_portable_artifact(context, exported.mlir_module_serialized))
    arrays = steps.run("constants", lambda: [np.asarray(a) for a in jax.tree_util.tree_leaves(params)])
    written = _cast_and_write(steps, arrays, out_path)
    return steps.result(constant_bytes=sum(a.nbytes for a in arrays), written_bytes=written)


def _worker(args: list[str], timeout: float) -> dict:
    env = dict(os.environ, JAX_PLATFORMS="cpu", TQDM_DISABLE="1", PYTHONWARNINGS="ignore")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, WORKER, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timeout after {timeout:.0f} s", "wall_s": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"ok": False, "error": f"worker exit {proc.returncode}: {' | '.join(tail)}"[:400], "wall_s": wall}
    out = json.loads(lines[-1])
    out["wall_s"] = wall
    return out


def _export(name, size, cache, overrides=None) -> dict:
    args = ["export", "--model", name, "--size", size]
    if cache:
        args += ["--cache", cache]
    for k, v in (overrides or {}).items():
        args += ["--override", f"{k}={v}"]
    return _worker(args, timeout=3600)


def _measure(art, npz, repeats, precision, timeout, workdir, tag, profile_dir=None, peer_repeats=None) -> dict:
    """Both converters on one artifact: `repeats` conversions each (the peer
    `peer_repeats`, when given), then one analysis of the last saved package."""
    entry = {}
    for conv in CONVERTERS:
        n = repeats if conv == "ours" or peer_repeats is None else peer_repeats
        runs = []
        pkg = os.path.join(workdir, f"{tag}-{conv}.mlpackage")
        for r in range(n):
            shutil.rmtree(pkg, ignore_errors=True)
            args = ["convert", "--converter", conv, "--artifact", art, "--out", pkg, "--precision", precision]
            if profile_dir and r == 0:
                args += ["--profile", os.path.join(profile_dir, f"{tag}-{conv}.prof")]
            res = _worker(args, timeout)
            runs.append(res)
            print(f"    {LABEL[conv]:>16} run {r + 1}/{n}: "
                  + (f"{res['seconds']:.2f} s, peak RSS {res['peak_rss_kb'] / 1024:.0f} MB" if res.get("ok") else f"FAILED {res.get('error')}"),
                  flush=True)
            if not res.get("ok"):
                break  # failures are deterministic; do not repeat them
        ok = [r for r in runs if r.get("ok")]
        e = {"ok": bool(ok) and len(ok) == len(runs), "runs": runs}
        if e["ok"]:
            med = lambda key: statistics.median(r[key] for r in ok)  # noqa: E731
            e.update(
                seconds=med("seconds"), cpu_s=med("cpu_s") if all("cpu_s" in r for r in ok) else None,
                frontend_s=med("frontend_s"), ct_convert_s=med("ct_convert_s"),
                save_s=med("save_s"), import_s=med("import_s"), peak_rss_mb=med("peak_rss_kb") / 1024,
                rss_after_import_mb=med("rss_after_import_kb") / 1024,
                seconds_all=[r["seconds"] for r in ok], best_s=min(r["seconds"] for r in ok),
            )
            e["package_mb"] = _dir_mb(pkg)
            analysis = _worker(["analyze", "--package", pkg, "--artifact", art, "--inputs", npz], timeout)
            e["analysis"] = analysis
        else:
            bad = next(r for r in runs if not r.get("ok"))
            e["error"] = bad.get("error")
            e["seconds_to_failure"] = bad.get("seconds")
        shutil.rmtree(pkg, ignore_errors=True)
        entry[conv] = e
    return entry


def _floor(artifact, repeats, timeout, workdir) -> dict:
    """The floor (see floor()) measured `repeats` times in fresh processes;
    the median of each figure."""
    runs = [_worker(["floor", "--artifact", artifact, "--out", os.path.join(workdir, "floor.bin")], timeout)
            for _ in range(repeats)]
    ok = [r for r in runs if "floor_cpu_s" in r]
    if not ok:
        return {"error": runs[-1].get("error")}
    out = dict(ok[0])
    for key in ("floor_cpu_s", "floor_wall_s", "peak_rss_above_import_kb"):
        out[key] = statistics.median(r[key] for r in ok)
    print(f"    floor: {out['floor_cpu_s']:.2f} s CPU, {out['floor_wall_s']:.2f} s wall", flush=True)
    return out


def _llm(size, timeout, workdir) -> dict:
    """The Llama decoder (TinyLlama-1.1B shape at size full) compiled with
    constants=params, with its floor and an RSS timeline."""
    out = os.path.join(workdir, f"llama-{size}.mlpackage")
    res = _worker(["llm", "--size", size, "--out", out, "--floor"], timeout)
    shutil.rmtree(out, ignore_errors=True)
    if "seconds" in res:
        print(f"    llama ({size}): {res['seconds']:.1f} s wall, {res['cpu_s']:.1f} s CPU, "
              f"extra peak RSS {res['extra_peak_rss_mb']:.0f} MB over {res['weights_fp16_mb']:.0f} MB fp16 weights", flush=True)
    else:
        print(f"    llama ({size}) FAILED: {res.get('error')}", flush=True)
    return res


def _dir_mb(path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total / 2**20


def _machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.0f} GB"
    except OSError:
        pass
    import importlib.metadata as md

    def ver(p):
        try:
            return md.version(p)
        except md.PackageNotFoundError:
            return "not installed"

    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {p: ver(p) for p in ("hlo-coreml", "stablehlo-coreml", "coremltools", "jax", "jaxlib", "flax", "equinox")},
        "load_average_at_start": os.getloadavg(),
    }


# -- report ---------------------------------------------------------------------------


def _fmt(x, spec=".2f", none="—"):
    return none if x is None else format(x, spec)


def _ratio(a, b):
    return None if (a is None or b in (None, 0)) else a / b


def _best(e):
    runs = e.get("seconds_all") if e.get("ok") else None
    return min(runs) if runs else None


def _get(e, *keys):
    for k in keys:
        if not isinstance(e, dict) or k not in e:
            return None
        e = e[k]
    return e


def _runs_per_converter(results: dict) -> str:
    ours, peer = results["repeats"], results.get("peer_repeats", results["repeats"])
    if ours == peer:
        return f"{ours} run(s) per converter"
    return f"{ours} run(s) of hlo-coreml and {peer} of stablehlo-coreml"


def write_report(results: dict, out: str) -> None:
    from examples.zoo import MODELS

    m = results["machine"]
    L = []
    L.append("# Zoo benchmark: hlo-coreml vs stablehlo-coreml\n")
    L.append(f"Generated {results['date']} by `{results['command']}` "
             f"({results['precision']} compute, target iOS18, {results['size']} configurations, "
             f"median of {_runs_per_converter(results)}, each in a fresh process).\n")
    L.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']}, Python {m['python']}; "
             f"load average at start {', '.join(f'{x:.1f}' for x in m['load_average_at_start'])} "
             "(the machine is shared: absolute times are noisy, ratios much less so).  ")
    L.append("Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".\n")
    for note in results.get("notes", []):
        L.append(f"> {note}\n")
    if os.path.exists(os.path.join(out, "llm.md")):
        L.append("The LLM package benchmark (the 1.1 B Llama as prefill + decode, per weight format) has its own "
                 "page: [llm.md](llm.md) (`python tools/bench.py --llm-package full`).\n")
    L.append("**Ratio = hlo-coreml / stablehlo-coreml** (below 1: hlo-coreml is faster / smaller). "
             "Time: from reading the cached serialized `jax.export` artifact to the saved `.mlpackage`, "
             "Python imports excluded. Best-run ratio: the fastest run of each (less sensitive to other load on the machine). "
             "CPU ratio: the same with the converting process's CPU time (the least sensitive to that load). "
             "Peak RSS: the converting process's VmHWM (imports included). "
             "Ops: MIL ops in the saved program, `const` excluded. fp16: share of compute ops "
             "(not `const`/`cast`) whose output is fp16. Error: max |interpreter − JAX| / max |JAX| "
             "over all outputs, running the saved package with hlo-coreml's reference interpreter.\n")
    L.append("| model | time ours (s) | time peer (s) | **time ratio** | best-run ratio | CPU ratio | RSS ours (MB) | RSS peer (MB) "
             "| **RSS ratio** | ops ours / peer | max rank ours / peer | fp16 ours / peer | error ours / peer |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    failures = []
    for name, e in results["models"].items():
        o, p = e.get("ours", {}), e.get("peer", {})
        row = [f"`{name}`"]
        row.append(_fmt(o.get("seconds")) if o.get("ok") else "fails")
        row.append(_fmt(p.get("seconds")) if p.get("ok") else "fails")
        row.append("**" + _fmt(_ratio(o.get("seconds"), p.get("seconds"))) + "**")
        row.append(_fmt(_ratio(_best(o), _best(p))))
        row.append(_fmt(_ratio(o.get("cpu_s"), p.get("cpu_s"))) if o.get("ok") and p.get("ok") else "—")
        row.append(_fmt(o.get("peak_rss_mb"), ".0f"))
        row.append(_fmt(p.get("peak_rss_mb"), ".0f"))
        row.append("**" + _fmt(_ratio(o.get("peak_rss_mb"), p.get("peak_rss_mb"))) + "**")
        row.append(f"{_fmt(_get(o, 'analysis', 'ops_without_const'), 'd')} / {_fmt(_get(p, 'analysis', 'ops_without_const'), 'd')}")
        row.append(f"{_fmt(_get(o, 'analysis', 'max_rank'), 'd')} / {_fmt(_get(p, 'analysis', 'max_rank'), 'd')}")
        row.append(f"{_fmt(_get(o, 'analysis', 'fp16_share'), '.0%')} / {_fmt(_get(p, 'analysis', 'fp16_share'), '.0%')}")
        row.append(f"{_fmt(_get(o, 'analysis', 'max_error'), '.1e')} / {_fmt(_get(p, 'analysis', 'max_error'), '.1e')}")
        L.append("| " + " | ".join(row) + " |")
        for conv in CONVERTERS:
            c = e.get(conv, {})
            if not c.get("ok"):
                failures.append(f"- `{name}`, {LABEL[conv]}: {c.get('error') or e.get('export_error')}")
            elif _get(c, "analysis", "nonfinite_outputs"):
                failures.append(f"- `{name}`, {LABEL[conv]} (converted): {c['analysis']['nonfinite_outputs']} output values are "
                                "NaN/inf where JAX's are finite (interpreter run, " + results["precision"] + ")")
            elif _get(c, "analysis", "interpreter_error"):
                failures.append(f"- `{name}`, {LABEL[conv]} (converted; error not measured): interpreter: "
                                f"{c['analysis']['interpreter_error']}")
    L.append("")
    L.append("![time and peak RSS ratios](ratios.png)\n")
    if failures:
        L.append("### Failures\n")
        L.extend(f.replace("\n", " ") for f in failures)
        L.append("")

    L.append("### Against the floor\n")
    L.append("Floor = what the conversion physically costs: read the artifact, `jax.export.deserialize`, parse the "
             "module, take its constants as NumPy arrays, cast them to fp16, write them (`floor()` in tools/bench.py, "
             "a fresh process per run). CPU = process CPU time (less sensitive to other load on this shared machine "
             "than wall time). Peak RSS above import = VmHWM − RSS after the imports; extra over weights = that "
             "minus the fp32 constant bytes (one copy of the weights).\n")
    L.append("| model | floor CPU (s) | floor wall (s) | ours CPU (s) | ours wall (s) | **CPU × floor** | wall × floor "
             "| weights fp32 (MB) | peak RSS above import (MB) | **extra RSS over weights (MB)** | peak / weights |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, e in results["models"].items():
        o, fl = e.get("ours", {}), e.get("floor") or {}
        if not o.get("ok") or "floor_cpu_s" not in fl:
            continue
        weights = fl["constant_bytes"] / 2**20
        above = o["peak_rss_mb"] - o["rss_after_import_mb"]
        L.append(f"| `{name}` | {fl['floor_cpu_s']:.2f} | {fl['floor_wall_s']:.2f} | {_fmt(o.get('cpu_s'))} | {o['seconds']:.2f} "
                 f"| **{_fmt(_ratio(o.get('cpu_s'), fl['floor_cpu_s']))}** | {_fmt(_ratio(o['seconds'], fl['floor_wall_s']))} "
                 f"| {weights:.0f} | {above:.0f} | **{above - weights:.0f}** | {_fmt(_ratio(above, weights))} |")
    L.append("")
    llm = results.get("llm")
    if llm and "seconds" in llm:
        fl = llm.get("floor", {})
        L.append(f"### A {llm['parameters'] / 1e9:.2f} B-parameter decoder: `compile(fn, params, ..., constants=params)`\n")
        L.append(f"The zoo's Llama at size `{llm['size']}` (TinyLlama-1.1B shape: {llm['config']['layers']} layers, d={llm['config']['d']}, "
                 f"GQA {llm['config']['heads']}/{llm['config']['kv_heads']}, SwiGLU {llm['config']['ffn']}, vocab {llm['config']['vocab']}; "
                 "seeded random weights), prefill of 128 tokens, fp16, iOS18. The weights are an argument of the function "
                 "(never in the StableHLO module) and are bound as constants from the arrays the process holds.\n")
        L.append("| weights fp32 / fp16 (MB) | floor CPU / wall (s) | compile CPU / wall (s) | CPU × floor | wall × floor "
                 "| RSS with weights (MB) | peak RSS (MB) | **extra peak RSS over the process's weights (MB)** | extra / fp16 weights | package (MB) |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        L.append(f"| {llm['weights_fp32_mb']:.0f} / {llm['weights_fp16_mb']:.0f} | {_fmt(fl.get('floor_cpu_s'))} / {_fmt(fl.get('floor_wall_s'))} "
                 f"| {llm['cpu_s']:.1f} / {llm['seconds']:.1f} | {_fmt(_ratio(llm['cpu_s'], fl.get('floor_cpu_s')))} "
                 f"| {_fmt(_ratio(llm['seconds'], fl.get('floor_wall_s')))} | {llm['rss_before_compile_mb']:.0f} | {llm['peak_rss_mb']:.0f} "
                 f"| **{llm['extra_peak_rss_mb']:.0f}** | {_fmt(_ratio(llm['extra_peak_rss_mb'], llm['weights_fp16_mb']))} | {llm['package_mb']:.0f} |")
        L.append("\n![memory timeline of the 1.1 B decoder's conversion](llm_memory.png)\n")
    L.append("### Where the time goes\n")
    L.append("Front end = StableHLO → MIL program (hlo-coreml: MLIR legalization + MIL emission; "
             "stablehlo-coreml: text round trip + its op-by-op converter); `ct.convert` = coremltools' "
             "MIL pass pipeline and serialization; save = `MLModel.save`.\n")
    L.append("| model | converter | front end (s) | ct.convert (s) | save (s) | total (s) | import (s) | package (MB) |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, e in results["models"].items():
        for conv in CONVERTERS:
            c = e.get(conv, {})
            if c.get("ok"):
                L.append(f"| `{name}` | {LABEL[conv]} | {c['frontend_s']:.2f} | {c['ct_convert_s']:.2f} | {c['save_s']:.2f} "
                         f"| {c['seconds']:.2f} | {c['import_s']:.1f} | {c['package_mb']:.0f} |")
    L.append("\n![time breakdown](breakdown.png)\n")

    if results.get("scaling"):
        L.append("### Scaling: GPT-2 with 1–12 layers\n")
        L.append("| layers | time ours (s) | time peer (s) | ratio | RSS ours (MB) | RSS peer (MB) | ops ours | ops peer | ms/op ours | ms/op peer |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for s in results["scaling"]:
            o, p = s.get("ours", {}), s.get("peer", {})
            oo, po = _get(o, "analysis", "ops_without_const"), _get(p, "analysis", "ops_without_const")
            L.append(f"| {s['layers']} | {_fmt(o.get('seconds'))} | {_fmt(p.get('seconds'))} | {_fmt(_ratio(o.get('seconds'), p.get('seconds')))} "
                     f"| {_fmt(o.get('peak_rss_mb'), '.0f')} | {_fmt(p.get('peak_rss_mb'), '.0f')} | {_fmt(oo, 'd')} | {_fmt(po, 'd')} "
                     f"| {_fmt(_ratio(o.get('seconds'), oo and oo / 1000))} | {_fmt(_ratio(p.get('seconds'), po and po / 1000))} |")
        for conv in CONVERTERS:
            fit = results.get("scaling_fit", {}).get(conv)
            if fit:
                L.append(f"\n{LABEL[conv]}: time ≈ {fit['intercept']:.2f} s + {fit['slope']:.2f} s/layer, R² = {fit['r2']:.4f}; "
                         f"the last layer adds {fit['last_increment_per_layer']:.2f} s/layer vs {fit['first_increment_per_layer']:.2f} s/layer for the first ones.")
        L.append("\n![scaling](scaling.png)\n")

    L.append("### MIL ops by type (saved programs)\n")
    for name, e in results["models"].items():
        parts = []
        for conv in CONVERTERS:
            ops = _get(e, conv, "analysis", "ops_by_type")
            if ops:
                parts.append(f"{LABEL[conv]}: " + ", ".join(f"{k} {v}" for k, v in ops.items()))
        if parts:
            L.append(f"<details><summary><code>{name}</code></summary>\n\n" + "\n\n".join(parts) + "\n\n</details>\n")

    L.append("### Models\n")
    for name in results["models"]:
        L.append(f"- `{name}`: {MODELS.get(name, '')}")
    L.append("")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(L))


def _fit(xs, ys) -> dict:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    intercept = my - slope * mx
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - my) ** 2 for y in ys) or 1e-30
    return {
        "slope": slope, "intercept": intercept, "r2": 1 - ss_res / ss_tot,
        "first_increment_per_layer": (ys[1] - ys[0]) / (xs[1] - xs[0]),
        "last_increment_per_layer": (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]),
    }


def write_charts(results: dict, out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["models"])
    colors = {"ours": "#1f77b4", "peer": "#ff7f0e"}

    # 1. ratios
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.5))
    ys = range(len(names))
    allvals = []
    for k, (key, label, off) in enumerate((("seconds", "conversion time", -0.2), ("peak_rss_mb", "peak RSS", 0.2))):
        vals = []
        for n in names:
            e = results["models"][n]
            vals.append(_ratio(_get(e, "ours", key), _get(e, "peer", key)) or 0)
        allvals += vals
        ax.barh([y + off for y in ys], [v - 0.05 if v else 0 for v in vals], left=0.05, height=0.38, label=label,
                color=["#2ca02c", "#9467bd"][k])
        for y, v in zip(ys, vals):
            ax.text(v if v else 0.05, y + off, f" {v:.2f}" if v else " (a converter fails)", va="center", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(0.05, max(4.0, 2 * max((v for v in allvals if v), default=1)))
    ax.axvline(1, color="k", lw=0.8)
    ax.axvline(1 / 3, color="r", lw=0.8, ls="--", label="1/3 (target on GPT-2)")
    ax.set_yticks(list(ys), names)
    ax.invert_yaxis()
    ax.set_xlabel("hlo-coreml / stablehlo-coreml, log scale  (lower is better)")
    ax.set_title(f"Conversion cost ratio, {results['precision']}, {results['size']} models")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "ratios.png"), dpi=110)
    plt.close(fig)

    # 2. breakdown
    fig, ax = plt.subplots(figsize=(max(8, 0.9 * len(names)), 4.5))
    width = 0.38
    for i, conv in enumerate(CONVERTERS):
        bottoms = [0.0] * len(names)
        for phase, hatch in (("frontend_s", ""), ("ct_convert_s", "//"), ("save_s", "..")):
            vals = [(_get(results["models"][n], conv, phase) or 0) for n in names]
            ax.bar([x + (i - 0.5) * width for x in range(len(names))], vals, width, bottom=bottoms,
                   color=colors[conv], hatch=hatch, edgecolor="white",
                   label=f"{LABEL[conv]}: {phase.replace('_s', '').replace('frontend', 'front end')}")
            bottoms = [b + v for b, v in zip(bottoms, vals)]
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylabel("seconds (median)")
    ax.set_yscale("symlog", linthresh=1)
    tops = [(_get(results["models"][n], c, "seconds") or 0) for n in names for c in CONVERTERS]
    ax.set_ylim(0, 2.5 * max(tops + [1]))
    ax.set_title("Where conversion time goes")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "breakdown.png"), dpi=110)
    plt.close(fig)

    # 4. the LLM's memory timeline
    llm = results.get("llm") or {}
    if llm.get("timeline"):
        fig, ax = plt.subplots(figsize=(9, 4))
        ts = [t for t, _ in llm["timeline"]["samples"]]
        mb = [m / 1024 for _, m in llm["timeline"]["samples"]]
        ax.plot(ts, mb, color=colors["ours"], lw=1.2, label="RSS")
        base = llm["rss_before_compile_mb"] / 1024
        ax.axhline(base, color="gray", ls=":", lw=0.8, label="before compile (imports + fp32 weights)")
        ax.axhline(base + 2 * llm["weights_fp16_mb"] / 1024, color="r", ls="--", lw=0.8, label="bound: + 2x fp16 weights")
        for t, label in llm["timeline"]["marks"]:
            ax.axvline(t, color="k", lw=0.5)
            ax.text(t, max(mb) * 1.01, f" {label}", fontsize=7, va="bottom")
        ax.set(xlabel="seconds (wall)", ylabel="RSS (GB)", title=f"Converting the {llm['parameters'] / 1e9:.2f} B decoder: RSS over time")
        ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "llm_memory.png"), dpi=110)
        plt.close(fig)

    # 3. scaling
    sc = results.get("scaling") or []
    if sc:
        fig, axes = plt.subplots(1, 3, figsize=(14, 4))
        for conv in CONVERTERS:
            pts = [(s["layers"], s[conv]) for s in sc if _get(s, conv, "ok")]
            if not pts:
                continue
            layers = [p[0] for p in pts]
            secs = [p[1]["seconds"] for p in pts]
            rss = [p[1]["peak_rss_mb"] for p in pts]
            ops = [_get(p[1], "analysis", "ops_without_const") or 0 for p in pts]
            axes[0].plot(layers, secs, "o-", color=colors[conv], label=LABEL[conv])
            axes[1].plot(layers, rss, "o-", color=colors[conv], label=LABEL[conv])
            axes[2].plot(ops, secs, "o-", color=colors[conv], label=LABEL[conv])
        axes[0].set(xlabel="GPT-2 layers", ylabel="conversion time (s)", title="Time vs layers")
        axes[1].set(xlabel="GPT-2 layers", ylabel="peak RSS (MB)", title="Peak RSS vs layers")
        axes[2].set(xlabel="MIL ops in saved program (no const)", ylabel="conversion time (s)", title="Time vs op count")
        for a in axes:
            a.grid(alpha=0.3)
            a.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "scaling.png"), dpi=110)
        plt.close(fig)


# -- main ------------------------------------------------------------------------------


def main(argv=None) -> None:
    from examples.zoo import names as zoo_names

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", choices=zoo_names(),
                   help="zoo models to run (default: all but the 1.1 B Llama entries, which --llm runs with constants=)")
    p.add_argument("--quick", action="store_true", help="small configurations, 1 repeat")
    p.add_argument("--repeats", type=int, default=None, help="conversions per converter and model (default 3; --quick: 1)")
    p.add_argument("--peer-repeats", type=int, default=None, help="conversions by the peer converter (default: --repeats)")
    p.add_argument("--precision", choices=["fp16", "fp32"], default="fp16")
    p.add_argument("--no-scaling", action="store_true", help="skip the GPT-2 layer-count scaling run")
    p.add_argument("--llm", choices=["small", "full"], default=None,
                   help="also convert the zoo's Llama with constants=params (full: TinyLlama-1.1B shape, ~12 GB RSS)")
    p.add_argument("--llm-package", choices=["small", "full"], default=None,
                   help="only the LLM package benchmark (prefill + decode, per weight format): "
                        "writes <out>/llm.md and llm.json (tools/bench_llm.py)")
    p.add_argument("--schemes", nargs="+", default=None, help="weight formats for --llm-package "
                   "(default: fp16 int8 int4-block32 palettize4)")
    p.add_argument("--scaling-layers", type=int, nargs="+", default=list(SCALING_LAYERS))
    p.add_argument("--timeout", type=float, default=1800, help="seconds per conversion")
    p.add_argument("--cache", default=None, help="export cache (default .bench-cache/)")
    p.add_argument("--profile", action="store_true", help="also write cProfile dumps of the first run to <out>/profiles/")
    p.add_argument("--out", default=os.path.join(REPO, "docs", "bench"))
    p.add_argument("--report-only", action="store_true", help="rewrite README.md and charts from <out>/results.json")
    a = p.parse_args(argv)
    if a.report_only:
        with open(os.path.join(a.out, "results.json")) as f:
            results = json.load(f)
        write_report(results, a.out)
        write_charts(results, a.out)
        print(f"wrote {a.out}/README.md and charts", flush=True)
        return
    if a.llm_package:
        import bench_llm

        command = "python tools/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
        os.makedirs(a.out, exist_ok=True)
        bench_llm.run(a.llm_package, a.schemes or bench_llm.SCHEMES, a.out, a.timeout, command.strip(), _machine())
        print(f"wrote {a.out}/llm.md and llm.json", flush=True)
        return
    repeats = a.repeats or (1 if a.quick else 3)
    size = "small" if a.quick else "full"
    # The Llama entries are 1.1 B parameters: exported as one artifact they pass jax.export's 2 GB
    # limit, so they are only converted when named, and otherwise by --llm (weights as constants=).
    models = a.models or [name for name in zoo_names() if not name.startswith("llama")]
    os.makedirs(a.out, exist_ok=True)
    profile_dir = None
    if a.profile:
        profile_dir = os.path.join(a.out, "profiles")
        os.makedirs(profile_dir, exist_ok=True)
    command = "python tools/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command.strip(), "machine": _machine(), "precision": a.precision, "size": size,
        "repeats": repeats, "peer_repeats": a.peer_repeats or repeats, "models": {}, "scaling": [],
    }
    t_start = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="hlo-coreml-bench-")
    try:
        for name in models:
            print(f"== {name} ({size})", flush=True)
            ex = _export(name, size, a.cache)
            if "artifact" not in ex:
                results["models"][name] = {"export_error": ex.get("error")}
                print(f"    export FAILED: {ex.get('error')}", flush=True)
                continue
            print(f"    exported: {ex['bytes'] / 2**20:.1f} MB artifact", flush=True)
            entry = _measure(ex["artifact"], ex["inputs"], repeats, a.precision, a.timeout, workdir, name, profile_dir,
                             a.peer_repeats)
            entry["artifact_mb"] = ex["bytes"] / 2**20
            entry["floor"] = _floor(ex["artifact"], repeats, a.timeout, workdir)
            results["models"][name] = entry
            _save(results, a.out)
        if not a.no_scaling:
            from examples.zoo.jax_models import GPT2_SIZES

            default_layers = GPT2_SIZES[size]["layers"]
            for layers in a.scaling_layers:
                print(f"== scaling: gpt2 ({size}) with {layers} layers", flush=True)
                if layers == default_layers and "gpt2" in results["models"] and "ours" in results["models"]["gpt2"]:
                    entry = dict(results["models"]["gpt2"])
                else:
                    ex = _export("gpt2", size, a.cache, {} if layers == default_layers else {"layers": layers})
                    if "artifact" not in ex:
                        print(f"    export FAILED: {ex.get('error')}", flush=True)
                        continue
                    entry = _measure(ex["artifact"], ex["inputs"], repeats, a.precision, a.timeout, workdir, f"gpt2-L{layers}",
                                     peer_repeats=a.peer_repeats)
                entry["layers"] = layers
                results["scaling"].append(entry)
                _save(results, a.out)
            fits = {}
            for conv in CONVERTERS:
                pts = [(s["layers"], s[conv]["seconds"]) for s in results["scaling"] if _get(s, conv, "ok")]
                if len(pts) >= 3:
                    fits[conv] = _fit([x for x, _ in pts], [y for _, y in pts])
            results["scaling_fit"] = fits
        if a.llm:
            print(f"== llama ({a.llm}), constants=params", flush=True)
            results["llm"] = _llm(a.llm, a.timeout, workdir)
            _save(results, a.out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["total_minutes"] = (time.perf_counter() - t_start) / 60
    _save(results, a.out)
    write_report(results, a.out)
    write_charts(results, a.out)
    print(f"wrote {a.out}/README.md, results.json and charts in {results['total_minutes']:.1f} min", flush=True)


def _save(results, out) -> None:
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
