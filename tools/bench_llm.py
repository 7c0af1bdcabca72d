"""The LLM package benchmark (`python tools/bench.py --llm-package full`):
the zoo's Llama decoder as the package an app ships, prefill + decode in
one multifunction package with the KV cache as states, per weight format.

For each format (fp16, int8, int4-block32, palettize4) a fresh process
(tools/bench_worker.py llm-package) builds the seeded weights, then runs

    compile_multifunction({"prefill": (fn, prefill_args), "decode": (fn, decode_args)},
                          constants=params, states=..., weight_compression=scheme)

and records: wall and CPU seconds (with the time inside coremltools'
compression and multifunction merge), peak RSS and the peak beyond the
process's own fp32 copy of the parameters, the package's bytes (and
weight.bin's) against the bytes the compressed weights should take, and
the MIL ops of each function (the decode function's are the ops of one
generated token). The fp16 run also measures the floor: the same weights
exported as shapes, parsed, cast to fp16 and written once.

Writes <out>/llm.json and <out>/llm.md. This is a benchmark, not a test:
it asserts nothing.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from bench_worker import _status_kb  # tools/ is on sys.path: this file runs from there

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "bench_worker.py")
SCHEMES = ("fp16", "int8", "int4-block32", "palettize4")
STATES = {"k_cache": "new_k_cache", "v_cache": "new_v_cache"}
OUTPUTS = ["logits", "new_k_cache", "new_v_cache"]
# coremltools' ct.optimize.coreml default: weights with fewer elements stay float
THRESHOLD = 2048


def expected_weight_bytes(arrays, scheme: str) -> int:
    """The bytes the weights take stored in `scheme` (fp16 compute):
    fp16 2 bytes each; int8 per channel 1 byte + one fp16 scale per output
    channel; int4 in blocks of 32 half a byte + one fp16 scale per block;
    4-bit palettization half a byte + a 16-entry fp16 table per tensor.
    Weights of THRESHOLD elements or fewer stay fp16."""
    total = 0
    for a in arrays:
        n = int(a.size)
        if scheme == "fp16" or n <= THRESHOLD:
            total += 2 * n
        elif scheme == "int8":
            total += n + 2 * int(a.shape[-1])
        elif scheme == "int4-block32":
            total += n // 2 + 2 * (n // 32)
        elif scheme.startswith("palettize4"):
            total += n // 2 + 2 * 16
        else:
            raise ValueError(scheme)
    return total


def _timed(module, name, log):
    """Wrap module.name so its calls add their wall seconds to log[name]."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            log[name] = log.get(name, 0.0) + time.perf_counter() - t0

    setattr(module, name, wrapper)


def measure_package(size: str, scheme: str, out: str, floor: bool, seed: int = 0) -> dict:
    """One package, in this process (the worker's `llm-package` command)."""
    import jax
    import numpy as np

    sys.path.insert(0, REPO)
    sys.path.insert(0, HERE)
    import hlo_coreml
    import hlo_coreml.compression as compression
    from examples.zoo import llama
    from hlo_coreml.coreml import coremltools
    from hlo_coreml.inspect_model import inspect

    ct = coremltools()
    import_rss = _status_kb("VmRSS") / 1024
    cfg = llama.config(size)
    params = llama.init_params(cfg, seed)
    arrays = jax.tree_util.tree_leaves(params)
    k_cache, v_cache = llama.init_cache(cfg)
    prompt = (np.arange(cfg["prompt"], dtype=np.int32)[None] % cfg["vocab"]).astype(np.int32)
    token, pos = np.zeros((1, 1), np.int32), np.array([0], np.int32)

    def fn(p, k_cache, v_cache, tokens, pos):
        return llama.forward(p, cfg, k_cache, v_cache, tokens, pos)

    weight_bytes = sum(a.nbytes for a in arrays)
    result = {
        "size": size, "scheme": scheme, "config": cfg, "parameters": weight_bytes // 4,
        "weights_fp32_mb": weight_bytes / 2**20, "rss_after_import_mb": import_rss,
        "expected_weight_bytes": expected_weight_bytes(arrays, scheme),
    }
    if floor:
        from bench import floor_of_params

        result["floor"] = floor_of_params(fn, params, (k_cache, v_cache, prompt, pos), out + ".floor")
    # Peak RSS from here on; the parameters' own fp32 copy is in base_rss.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base_rss = _status_kb("VmRSS") / 1024
    inside = {}
    _timed(compression, "compress", inside)
    _timed(compression, "compress_program", inside)  # compile_multifunction since 2026-12-06 17:58
    _timed(ct.utils, "save_multifunction", inside)  # the merge before 2026-12-06 (llm3)
    from hlo_coreml import multifunction_program

    _timed(multifunction_program.FunctionGatherer, "export", inside)
    t0, c0 = time.perf_counter(), time.process_time()
    hlo_coreml.compile_multifunction(
        {"prefill": (fn, (params, k_cache, v_cache, prompt, pos)), "decode": (fn, (params, k_cache, v_cache, token, pos))},
        constants=params, states=STATES, outputs=OUTPUTS, compute_precision="fp16",
        weight_compression=None if scheme == "fp16" else scheme, output_path=out,
    )
    result.update(
        seconds=time.perf_counter() - t0, cpu_s=time.process_time() - c0, peak_rss_mb=_status_kb("VmHWM") / 1024,
        rss_with_weights_mb=base_rss, compress_s=inside.get("compress", 0.0) + inside.get("compress_program", 0.0), merge_s=inside.get("save_multifunction", 0.0) + inside.get("export", 0.0),
    )
    result["extra_peak_rss_mb"] = result["peak_rss_mb"] - base_rss
    for function in ("prefill", "decode"):
        report = inspect(out, function)
        result[f"{function}_ops"] = sum(report.op_counts.values())
        result[f"{function}_op_counts"] = report.op_counts
        result["package_bytes"], result["weight_bin_bytes"] = report.package_bytes, report.weight_bytes
        if report.compressed_weights:
            result[f"{function}_compressed"] = report.compressed_weights
    return result


# -- the orchestrator and the page ---------------------------------------------------


def _worker(args, timeout):
    env = dict(os.environ, JAX_PLATFORMS="cpu", TQDM_DISABLE="1", PYTHONWARNINGS="ignore")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, WORKER, *args], capture_output=True, text=True, timeout=timeout,
                              env=env, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timeout after {timeout:.0f} s", "wall_s": time.perf_counter() - t0}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"ok": False, "error": f"worker exit {proc.returncode}: {' | '.join(tail)}"[:400],
                "wall_s": time.perf_counter() - t0}
    out = json.loads(lines[-1])
    out["ok"] = True
    return out


def run(size: str, schemes, out_dir: str, timeout: float, command: str, machine: dict) -> dict:
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "command": command, "machine": machine, "size": size, "runs": {}}
    path = os.path.join(out_dir, "llm.json")
    if os.path.exists(path):  # keep earlier runs of other schemes of the same size
        with open(path) as f:
            old = json.load(f)
        if old.get("size") == size:
            results["runs"].update(old.get("runs", {}))
            results["notes"] = old.get("notes", [])
    workdir = tempfile.mkdtemp(prefix="hlo-coreml-bench-llm-")
    try:
        for scheme in schemes:
            print(f"== llama ({size}) package, {scheme}", flush=True)
            pkg = os.path.join(workdir, f"llama-{scheme}.mlpackage")
            args = ["llm-package", "--size", size, "--scheme", scheme, "--out", pkg]
            if scheme == "fp16":
                args.append("--floor")
            res = _worker(args, timeout)
            shutil.rmtree(pkg, ignore_errors=True)
            res["date"] = results["date"]
            results["runs"][scheme] = res
            if res.get("ok"):
                print(f"    {res['seconds']:.0f} s wall, {res['cpu_s']:.0f} s CPU, extra peak RSS "
                      f"{res['extra_peak_rss_mb']:.0f} MB, package {res['package_bytes'] / 2**20:.0f} MB, "
                      f"decode ops {res['decode_ops']}", flush=True)
            else:
                print(f"    FAILED: {res.get('error')}", flush=True)
            with open(path, "w") as f:
                json.dump(results, f, indent=1, default=str)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    write_page(results, out_dir)
    return results


def _mb(n) -> str:
    return f"{n / 2**20:,.0f}"


def write_page(results: dict, out_dir: str) -> None:
    runs = results["runs"]
    L = ["# LLM package benchmark: the zoo Llama as prefill + decode\n"]
    L.append(f"<!-- Generated by `{results['command']}` (tools/bench_llm.py); do not edit. -->\n")
    any_run = next((r for r in runs.values() if r.get("ok")), None)
    m = results.get("machine", {})
    if any_run:
        c = any_run["config"]
        L.append(f"The zoo's Llama at size `{results['size']}` ({any_run['parameters'] / 1e9:.2f} B parameters, "
                 f"TinyLlama-1.1B shape: {c['layers']} layers, d={c['d']}, GQA {c['heads']}/{c['kv_heads']} "
                 f"(`jnp.repeat`), SwiGLU {c['ffn']}, vocab {c['vocab']}, KV cache of {c['max_seq']} positions; "
                 "seeded random weights) compiled the way an app ships it: one iOS18 package, functions "
                 f"`prefill` ({c['prompt']} tokens) and `decode` (1 token) sharing their weights, the KV cache as "
                 "two fp16 states, fp16 compute, weights bound with `constants=params`. One fresh process per "
                 "format; runs of different dates are marked.\n")
    if m:
        L.append(f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory')} RAM, shared with other "
                 "work (wall times are noisy; CPU times less so).\n")
    for note in results.get("notes", []):
        L.append(f"> {note}\n")
    L.append("## Time and memory\n")
    L.append("Time: the whole `compile_multifunction` call (both functions, compression, the export of the "
             "multifunction program that stores the shared weights once (before 2026-12-06 17:58: the "
             "save_multifunction merge), the save). CPU: the process's CPU time over that call. "
             "Floor: the same weights exported as shapes, parsed, cast to fp16 and written once "
             "(`floor_of_params` in tools/bench.py). Extra peak RSS: peak RSS during the call minus the RSS "
             "of the process already holding its fp32 parameters.\n")
    L.append("| format | wall (s) | CPU (s) | of which compression (s) | of which export / merge (s) | CPU × floor "
             "| peak RSS (MB) | **extra peak RSS (MB)** | extra / fp16 weights | date |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    floor = (runs.get("fp16") or {}).get("floor") or {}
    for scheme in SCHEMES:
        r = runs.get(scheme)
        if not r:
            continue
        if not r.get("ok"):
            L.append(f"| {scheme} | failed: {r.get('error', '')[:120]} | | | | | | | | {r.get('date', '')} |")
            continue
        fp16_mb = r["weights_fp32_mb"] / 2
        ratio = f"{r['cpu_s'] / floor['floor_cpu_s']:.1f}" if floor.get("floor_cpu_s") else "—"
        L.append(f"| {scheme} | {r['seconds']:.0f} | {r['cpu_s']:.0f} | {r['compress_s']:.0f} | {r['merge_s']:.0f} | {ratio} "
                 f"| {r['peak_rss_mb']:,.0f} | **{r['extra_peak_rss_mb']:,.0f}** | {r['extra_peak_rss_mb'] / fp16_mb:.2f} "
                 f"| {r.get('date', '')} |")
    if floor.get("floor_cpu_s"):
        L.append(f"\nFloor: {floor['floor_cpu_s']:.1f} s CPU, {floor['floor_wall_s']:.1f} s wall "
                 f"({floor.get('written_bytes', 0) / 2**20:,.0f} MB written).\n")
    L.append("## Package size\n")
    L.append("Expected: the bytes the weights take in that format (fp16: 2 bytes each; int8 per channel: 1 byte plus "
             "an fp16 scale per output channel; int4 in blocks of 32: half a byte plus an fp16 scale per block; "
             "4-bit palettization: half a byte plus a 16-entry table per tensor; weights of 2,048 elements or fewer "
             "stay fp16). The package holds both functions' programs and one copy of the weights.\n")
    L.append("| format | package (MB) | weight.bin (MB) | expected weights (MB) | **package / expected** |")
    L.append("|---|---:|---:|---:|---:|")
    for scheme in SCHEMES:
        r = runs.get(scheme)
        if not r or not r.get("ok"):
            continue
        L.append(f"| {scheme} | {_mb(r['package_bytes'])} | {_mb(r['weight_bin_bytes'])} | {_mb(r['expected_weight_bytes'])} "
                 f"| **{r['package_bytes'] / r['expected_weight_bytes']:.3f}** |")
    L.append("\n## MIL ops per generated token\n")
    L.append("Ops of the `decode` function (one token), `const` excluded; compressed formats add one "
             "`constexpr_*` op per compressed weight (evaluated once at load, not per token).\n")
    L.append("| format | decode ops | of which constexpr | prefill ops |")
    L.append("|---|---:|---:|---:|")
    for scheme in SCHEMES:
        r = runs.get(scheme)
        if not r or not r.get("ok"):
            continue
        constexpr = sum(v for k, v in r["decode_op_counts"].items() if k.startswith("constexpr_"))
        L.append(f"| {scheme} | {r['decode_ops']} | {constexpr} | {r['prefill_ops']} |")
    fp16 = runs.get("fp16")
    if fp16 and fp16.get("ok"):
        L.append("\n<details><summary>decode ops by type (fp16)</summary>\n")
        L.append(", ".join(f"{k} {v}" for k, v in fp16["decode_op_counts"].items()))
        L.append("\n</details>\n")
    with open(os.path.join(out_dir, "llm.md"), "w") as f:
        f.write("\n".join(L) + "\n")


__all__ = ["run", "write_page", "measure_package", "expected_weight_bytes", "SCHEMES"]
