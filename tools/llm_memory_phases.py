#!/usr/bin/env python3
"""Where compile_multifunction's memory goes: the zoo Llama's prefill +
decode package at a configurable size, with the process's RSS sampled
every 5 ms and attributed to the phase running (legalize, build_program,
coremltools' passes, the export, the save).

    python tools/llm_memory_phases.py                      # mid config, ~30 s
    python tools/llm_memory_phases.py '{"layers": 2}'      # overrides of the `full` config

Prints, per phase call, the RSS above the start (the process already
holding its fp32 parameters) when it starts and ends and the highest
sample inside it, then the peak (VmHWM) over the whole call in multiples
of the fp16 weight bytes, and RSS after the call returns. The default
mid config (d=1024, 4 layers, vocab 32000: 109 M parameters, 211 MB of
fp16 weights) runs in well under a minute. A diagnostic, not a test.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import threading
import time
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TQDM_DISABLE", "1")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
MID = dict(d=1024, layers=4, ffn=2816, heads=16, kv_heads=4, max_seq=512, prompt=64)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class _Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.stack = ["call"]
        self.peaks: dict[str, float] = {}
        self.stopped = False

    def run(self):
        while not self.stopped:
            key = "/".join(self.stack)
            self.peaks[key] = max(self.peaks.get(key, 0.0), _status_mb("VmRSS"))
            time.sleep(0.005)


def main(argv) -> None:
    import jax
    import numpy as np

    import hlo_coreml
    import hlo_coreml.compiler as compiler
    from examples.zoo import llama
    from hlo_coreml.coreml import coremltools

    try:
        from hlo_coreml import multifunction_program
    except ImportError:  # before 2026-12-06 (save_multifunction merge)
        multifunction_program = None

    ct = coremltools()
    over = json.loads(argv[0]) if argv else MID
    cfg = llama.config("full", **over)
    params = llama.init_params(cfg, 0)
    fp16_mb = sum(a.nbytes for a in jax.tree_util.tree_leaves(params)) / 2 / 2**20
    k_cache, v_cache = llama.init_cache(cfg)
    prompt = (np.arange(cfg["prompt"], dtype=np.int32)[None] % cfg["vocab"]).astype(np.int32)
    token, pos = np.zeros((1, 1), np.int32), np.array([0], np.int32)

    def fn(p, k_cache, v_cache, tokens, pos):
        return llama.forward(p, cfg, k_cache, v_cache, tokens, pos)

    sampler = _Sampler()
    gc.collect()
    base = _status_mb("VmRSS")

    def wrap(owner, name):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            sampler.stack.append(name)
            start = _status_mb("VmRSS")
            try:
                return original(*args, **kwargs)
            finally:
                key = "/".join(sampler.stack)
                print(f"  {key:58s} start {start - base:7.0f}  end {_status_mb('VmRSS') - base:7.0f}  "
                      f"max {sampler.peaks.get(key, start) - base:7.0f} MB", flush=True)
                sampler.stack.pop()

        setattr(owner, name, wrapper)

    phases = [(compiler, "compile"), (compiler, "legalize"), (compiler, "build_program"),
              (compiler, "convert_program"), (ct.utils, "save_multifunction"), (ct.models.MLModel, "save")]
    if multifunction_program is not None:
        phases.append((multifunction_program.FunctionGatherer, "export"))
    for owner, name in phases:
        wrap(owner, name)
    print(f"{cfg['layers']} layers, d={cfg['d']}: fp16 weights {fp16_mb:.0f} MB; RSS with the fp32 parameters "
          f"{base:.0f} MB (the figures below are above that)")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # VmHWM from here
    sampler.start()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        model = hlo_coreml.compile_multifunction(
            {"prefill": (fn, (params, k_cache, v_cache, prompt, pos)),
             "decode": (fn, (params, k_cache, v_cache, token, pos))},
            constants=params, states={"k_cache": "new_k_cache", "v_cache": "new_v_cache"},
            outputs=["logits", "new_k_cache", "new_v_cache"], compute_precision="fp16",
            output_path=os.path.join(folder, "llm.mlpackage"),
        )
        seconds = time.perf_counter() - t0
        sampler.stopped = True
        peak = _status_mb("VmHWM") - base
        print(f"  {'call (between the phases above)':58s} max {sampler.peaks.get('call', base) - base:7.0f} MB")
        print(f"wall {seconds:.1f} s; peak {peak:.0f} MB = {peak / fp16_mb:.2f}x the fp16 weights; "
              f"after return {_status_mb('VmRSS') - base:.0f} MB", end="")
        del model
        gc.collect()
        print(f", after del + gc.collect {_status_mb('VmRSS') - base:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
