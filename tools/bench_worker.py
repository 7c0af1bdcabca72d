#!/usr/bin/env python3
"""One measurement of tools/bench.py, run in a fresh process.

    bench_worker.py export  --model gpt2 --size full [--override layers=4] --cache DIR
    bench_worker.py convert --converter ours|peer --artifact A.jaxexport --out M.mlpackage --precision fp16
    bench_worker.py analyze --package M.mlpackage --artifact A.jaxexport --inputs A.npz

Each prints one JSON object as its last stdout line. `convert` times the
conversion from the cached serialized jax.export artifact to the saved
.mlpackage (imports excluded and timed apart), splits it into front end
(StableHLO -> MIL program), coremltools' `ct.convert` (MIL passes +
serialization) and `MLModel.save`, and reads the process's peak RSS
(VmHWM). Both converters get the same artifact and the same target
(iOS18), precision and `skip_model_load=True`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TQDM_DISABLE", "1")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _emit(obj) -> None:
    sys.stdout.flush()
    print(json.dumps(obj), flush=True)


def _quiet_imports():
    import warnings

    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("coremltools").setLevel(logging.ERROR)
    # coremltools prints "Failed to load ..." for its macOS-only extension.
    stderr = sys.stderr
    sys.stderr = open(os.devnull, "w")
    try:
        import coremltools  # noqa: F401
        import jax  # noqa: F401
    finally:
        sys.stderr.close()
        sys.stderr = stderr


# -- export ---------------------------------------------------------------------


def cmd_export(a) -> None:
    sys.path.insert(0, REPO)
    from examples.zoo.registry import export_cached

    overrides = {}
    for item in a.override or []:
        k, v = item.split("=", 1)
        overrides[k] = int(v) if v.lstrip("-").isdigit() else v
    t0 = time.perf_counter()
    art, npz = export_cached(a.model, a.size, cache_dir=a.cache, **overrides)
    _emit({"artifact": art, "inputs": npz, "seconds": time.perf_counter() - t0, "bytes": os.path.getsize(art)})


# -- convert ----------------------------------------------------------------------


class _Phases:
    """Wall time spent inside ct.convert and MLModel.save (patched)."""

    def __init__(self):
        import coremltools as ct

        self.ct_convert = 0.0
        self.save = 0.0
        real_convert, real_save = ct.convert, ct.models.MLModel.save
        phases = self

        def convert(*args, **kw):
            t = time.perf_counter()
            try:
                return real_convert(*args, **kw)
            finally:
                phases.ct_convert += time.perf_counter() - t

        def save(self_, *args, **kw):
            t = time.perf_counter()
            try:
                return real_save(self_, *args, **kw)
            finally:
                phases.save += time.perf_counter() - t

        ct.convert = convert
        ct.models.MLModel.save = save


def _convert_ours(artifact, out, precision):
    import hlo_coreml

    hlo_coreml.compile(artifact, compute_precision=precision, minimum_deployment_target="iOS18", output_path=out)


def _convert_peer(artifact, out, precision):
    # As the peer's README documents: jax.export -> mlir_module() text ->
    # ir.Module.parse in a JAX context -> convert -> ct.convert with its
    # pass pipeline.
    import coremltools as ct
    import jax
    from jax._src.interpreters import mlir as jax_mlir
    from jax._src.lib.mlir import ir
    from stablehlo_coreml import build_pass_pipeline, convert

    with open(artifact, "rb") as f:
        exported = jax.export.deserialize(bytearray(f.read()))
    context = jax_mlir.make_ir_context()
    module = ir.Module.parse(exported.mlir_module(), context=context)
    prog = convert(module, minimum_deployment_target=ct.target.iOS18)
    model = ct.convert(
        prog,
        source="milinternal",
        convert_to="mlprogram",
        minimum_deployment_target=ct.target.iOS18,
        compute_precision=ct.precision.FLOAT16 if precision == "fp16" else ct.precision.FLOAT32,
        pass_pipeline=build_pass_pipeline(),
        skip_model_load=True,
    )
    model.save(out)


def cmd_convert(a) -> None:
    t_imp = time.perf_counter()
    _quiet_imports()
    if a.converter == "ours":
        import hlo_coreml  # noqa: F401
        # compile() imports its pipeline (MLIR bindings, every pass module)
        # on first use: ~0.25 s of imports that belong here, not in the
        # conversion time (the peer's package is imported whole above).
        import hlo_coreml.compiler  # noqa: F401
    else:
        import stablehlo_coreml  # noqa: F401
    import_s = time.perf_counter() - t_imp
    rss_after_import = _status_kb("VmRSS")
    phases = _Phases()
    if a.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    result = {"converter": a.converter, "import_s": import_s, "rss_after_import_kb": rss_after_import}
    try:
        (_convert_ours if a.converter == "ours" else _convert_peer)(a.artifact, a.out, a.precision)
        result["ok"] = True
    except BaseException as e:  # noqa: BLE001 - recorded, not raised
        result["ok"] = False
        msg = str(e).strip().splitlines()
        result["error"] = f"{type(e).__name__}: {msg[0] if msg else ''}"[:400]
        result["traceback"] = traceback.format_exc()[-3000:]
    total = time.perf_counter() - t0
    result["cpu_s"] = time.process_time() - c0
    if a.profile:
        prof.disable()
        prof.dump_stats(a.profile)
    result.update(
        seconds=total,
        ct_convert_s=phases.ct_convert,
        save_s=phases.save,
        frontend_s=total - phases.ct_convert - phases.save,
        peak_rss_kb=_status_kb("VmHWM"),
    )
    _emit(result)


# -- floor ------------------------------------------------------------------------------


def cmd_floor(a) -> None:
    _quiet_imports()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench import floor

    rss = _status_kb("VmRSS")
    result = floor(a.artifact, a.out)
    result["peak_rss_above_import_kb"] = _status_kb("VmHWM") - rss
    _emit(result)


# -- llm: the 1.1 B decoder with compile(..., constants=params) ---------------------------


class _RssTimeline:
    """VmRSS sampled every `period` s on a thread, with named marks."""

    def __init__(self, period=0.1):
        import threading

        self.samples, self.marks, self._stop = [], [], False
        self.t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, args=(period,), daemon=True)
        self._thread.start()

    def _run(self, period):
        while not self._stop:
            self.samples.append((time.perf_counter() - self.t0, _status_kb("VmRSS") / 1024))
            time.sleep(period)

    def mark(self, label):
        self.marks.append((time.perf_counter() - self.t0, label))

    def stop(self):
        self._stop = True
        self._thread.join()


def cmd_llm(a) -> None:
    _quiet_imports()
    import jax
    import numpy as np

    sys.path.insert(0, REPO)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import hlo_coreml
    from bench import floor_of_params
    from examples.zoo import llama

    import_rss = _status_kb("VmRSS") / 1024
    timeline = _RssTimeline()
    cfg = llama.config(a.size)
    timeline.mark("weights")
    params = llama.init_params(cfg, a.seed)
    k_cache, v_cache = llama.init_cache(cfg)
    tokens = (np.arange(cfg["prompt"], dtype=np.int32)[None] % cfg["vocab"]).astype(np.int32)
    pos = np.array([0], np.int32)

    def fn(p, k_cache, v_cache, tokens, pos):
        return llama.forward(p, cfg, k_cache, v_cache, tokens, pos)

    weight_bytes = sum(x.nbytes for x in jax.tree_util.tree_leaves(params))
    base_rss = _status_kb("VmRSS") / 1024
    result = {"size": a.size, "config": cfg, "parameters": weight_bytes // 4, "weights_fp32_mb": weight_bytes / 2**20,
              "weights_fp16_mb": weight_bytes / 2**21, "rss_after_import_mb": import_rss, "rss_with_weights_mb": base_rss}
    if a.floor:
        timeline.mark("floor")
        result["floor"] = floor_of_params(fn, params, (k_cache, v_cache, tokens, pos), a.out + ".floor")
    # Peak RSS from here on (the weights' own copy is in base_rss).
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base_rss = _status_kb("VmRSS") / 1024
    timeline.mark("compile")
    t0, c0 = time.perf_counter(), time.process_time()
    hlo_coreml.compile(fn, params, k_cache, v_cache, tokens, pos, constants=params,
                       minimum_deployment_target="iOS18", output_path=a.out)
    result.update(seconds=time.perf_counter() - t0, cpu_s=time.process_time() - c0,
                  peak_rss_mb=_status_kb("VmHWM") / 1024, rss_before_compile_mb=base_rss)
    timeline.mark("done")
    timeline.stop()
    result["extra_peak_rss_mb"] = result["peak_rss_mb"] - base_rss
    result["package_mb"] = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(a.out) for f in fs) / 2**20
    result["timeline"] = {"samples": timeline.samples[::max(1, len(timeline.samples) // 2000)], "marks": timeline.marks}
    _emit(result)


def cmd_llm_package(a) -> None:
    """Prefill + decode in one multifunction package (tools/bench_llm.py)."""
    _quiet_imports()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_llm import measure_package

    _emit(measure_package(a.size, a.scheme, a.out, a.floor, a.seed))


# -- analyze -------------------------------------------------------------------------

_NOT_COMPUTE = {"const", "cast"}


def _value_rank(vtype) -> int:
    kind = vtype.WhichOneof("type")
    if kind == "tensorType":
        return int(vtype.tensorType.rank)
    if kind == "listType":
        return _value_rank(vtype.listType.type) + 1
    return 0


def _value_dtype(vtype):
    if vtype.WhichOneof("type") == "tensorType":
        return vtype.tensorType.dataType
    return None


def program_stats(spec) -> dict:
    """Op counts by type (nested blocks included), highest rank, fp16 share
    of compute ops (ops other than const/cast whose first output is fp16)."""
    from coremltools.proto import MIL_pb2

    fp16 = MIL_pb2.DataType.Value("FLOAT16")
    counts: dict[str, int] = {}
    stats = {"max_rank": 0, "compute": 0, "compute_fp16": 0}

    def visit(block):
        for op in block.operations:
            counts[op.type] = counts.get(op.type, 0) + 1
            for out in op.outputs:
                stats["max_rank"] = max(stats["max_rank"], _value_rank(out.type))
            if op.type not in _NOT_COMPUTE and op.outputs:
                stats["compute"] += 1
                if _value_dtype(op.outputs[0].type) == fp16:
                    stats["compute_fp16"] += 1
            for nested in op.blocks:
                visit(nested)

    for function in spec.mlProgram.functions.values():
        for inp in function.inputs:
            stats["max_rank"] = max(stats["max_rank"], _value_rank(inp.type))
        for block in function.block_specializations.values():
            visit(block)
    return {
        "ops_by_type": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
        "ops": sum(counts.values()),
        "ops_without_const": sum(v for k, v in counts.items() if k != "const"),
        "max_rank": stats["max_rank"],
        "fp16_share": stats["compute_fp16"] / stats["compute"] if stats["compute"] else 0.0,
    }


def cmd_analyze(a) -> None:
    _quiet_imports()
    import coremltools as ct
    import numpy as np

    sys.path.insert(0, REPO)
    result = {}
    spec = ct.utils.load_spec(a.package)
    result.update(program_stats(spec))
    try:
        import jax

        from examples.zoo.registry import load_inputs

        with open(a.artifact, "rb") as f:
            exported = jax.export.deserialize(bytearray(f.read()))
        args = load_inputs(a.inputs)
        ref = [np.asarray(r) for r in jax.tree_util.tree_leaves(exported.call(*args))]
        import hlo_coreml

        names = [i.name for i in spec.description.input]
        feeds = {}
        for n, x in zip(names, args):
            x = np.asarray(x)
            x = x.astype(np.int32) if x.dtype.kind in "iub" else x.astype(np.float32)
            feeds[n] = x.reshape(x.shape or (1,))
        outs = hlo_coreml.run(a.package, feeds)
        order = [o.name for o in spec.description.output]
        err, nonfinite = 0.0, 0
        for n, r in zip(order, ref):
            got = np.asarray(outs[n], np.float64).reshape(r.shape)
            r = np.asarray(r, np.float64)
            bad = ~np.isfinite(got) & np.isfinite(r)
            nonfinite += int(bad.sum())
            ok = ~bad
            scale = max(float(np.max(np.abs(r[ok]), initial=0.0)), 1e-30)
            err = max(err, float(np.max(np.abs(got[ok] - r[ok]), initial=0.0)) / scale)
        # NaN/inf where JAX is finite: the error is unbounded.
        result["max_error"] = float("inf") if nonfinite else err
        result["nonfinite_outputs"] = nonfinite
    except BaseException as e:  # noqa: BLE001
        msg = str(e).strip().splitlines()
        result["max_error"] = None
        result["interpreter_error"] = f"{type(e).__name__}: {msg[0] if msg else ''}"[:300]
    _emit(result)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("--model", required=True)
    e.add_argument("--size", default="full")
    e.add_argument("--override", action="append")
    e.add_argument("--cache", default=None)
    c = sub.add_parser("convert")
    c.add_argument("--converter", choices=["ours", "peer"], required=True)
    c.add_argument("--artifact", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--precision", choices=["fp16", "fp32"], default="fp16")
    c.add_argument("--profile", default=None, help="write a cProfile dump here")
    z = sub.add_parser("analyze")
    z.add_argument("--package", required=True)
    z.add_argument("--artifact", required=True)
    z.add_argument("--inputs", required=True)
    f = sub.add_parser("floor")
    f.add_argument("--artifact", required=True)
    f.add_argument("--out", required=True, help="scratch file for the fp16 weights (removed)")
    m = sub.add_parser("llm")
    m.add_argument("--size", default="full")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--out", required=True)
    m.add_argument("--floor", action="store_true")
    lp = sub.add_parser("llm-package")
    lp.add_argument("--size", default="full")
    lp.add_argument("--scheme", default="fp16")
    lp.add_argument("--seed", type=int, default=0)
    lp.add_argument("--out", required=True)
    lp.add_argument("--floor", action="store_true")
    a = p.parse_args(argv)
    {"floor": cmd_floor, "llm": cmd_llm, "llm-package": cmd_llm_package, "export": cmd_export, "convert": cmd_convert, "analyze": cmd_analyze}[a.cmd](a)


if __name__ == "__main__":
    main()
