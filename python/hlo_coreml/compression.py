"""Weight compression at conversion (`compile(weight_compression=...)`),
through coremltools' `ct.optimize.coreml` with its own configs and defaults:

    "int8"          OpLinearQuantizerConfig(mode="linear_symmetric",
                    dtype="int8", granularity="per_channel")
    "int4-block32"  OpLinearQuantizerConfig(mode="linear_symmetric",
                    dtype="int4", granularity="per_block", block_size=32)
                    (iOS18+)
    "palettize4"    OpPalettizerConfig(mode="kmeans", nbits=4,
                    granularity="per_tensor"); needs scikit-learn
    "palettize4-uniform"  the same with mode="uniform" (no scikit-learn)

or any `ct.optimize.coreml.OptimizationConfig` the caller built. Weights
with fewer than `weight_threshold` (coremltools' default, 2048) elements
stay float. The package then stores the small integers (or indices and a
lookup table) and dequantizes them with `constexpr_*` ops, which the
reference interpreter evaluates (interpreter/ops_constexpr.py).
"""

from __future__ import annotations

import contextlib

from .coreml import coremltools
from .diagnostics import CompileError

NAMES = ("int8", "int4-block32", "palettize4", "palettize4-uniform")
_BLOCK_TARGET = "iOS18"


def _op_config(name: str):
    ct = coremltools()
    cto = ct.optimize.coreml
    if name == "int8":
        return cto.OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8", granularity="per_channel")
    if name == "int4-block32":
        return cto.OpLinearQuantizerConfig(
            mode="linear_symmetric", dtype="int4", granularity="per_block", block_size=32
        )
    if name == "palettize4":
        import importlib.util

        if importlib.util.find_spec("sklearn") is None:
            raise CompileError(
                "weight_compression 'palettize4' clusters the weights with k-means, for which coremltools needs "
                "scikit-learn (pip install scikit-learn); or use 'palettize4-uniform' (a uniform 16-entry table)"
            )
        return cto.OpPalettizerConfig(mode="kmeans", nbits=4, granularity="per_tensor")
    if name == "palettize4-uniform":
        return cto.OpPalettizerConfig(mode="uniform", nbits=4, granularity="per_tensor")
    raise CompileError(f"unknown weight_compression '{name}'; use one of {', '.join(NAMES)} or a ct.optimize.coreml.OptimizationConfig")


def resolve(weight_compression, target):
    """The OptimizationConfig for `weight_compression` (None: none)."""
    if weight_compression is None:
        return None
    ct = coremltools()
    cto = ct.optimize.coreml
    if isinstance(weight_compression, cto.OptimizationConfig):
        return weight_compression
    if not isinstance(weight_compression, str):
        raise CompileError(
            f"weight_compression must be one of {', '.join(NAMES)} or a ct.optimize.coreml.OptimizationConfig, "
            f"got {weight_compression!r}"
        )
    op_config = _op_config(weight_compression)
    if weight_compression == "int4-block32" and target.value < ct.target.iOS18.value:
        raise CompileError(
            f"weight_compression 'int4-block32' needs minimum_deployment_target {_BLOCK_TARGET} or newer "
            f"(per-block int4 is an iOS18 op), the target is {target.name}; use 'int8' or 'palettize4'"
        )
    return cto.OptimizationConfig(global_config=op_config)


def _kind(config) -> str:
    """The coremltools compression (its ct.optimize.coreml function's name)
    that `config` asks for; one kind per config."""
    cto = coremltools().optimize.coreml
    configs = [config.global_config, *config.op_type_configs.values(), *config.op_name_configs.values()]
    kinds = {
        ("palettize_weights" if isinstance(c, cto.OpPalettizerConfig)
         else "linear_quantize_weights" if isinstance(c, cto.OpLinearQuantizerConfig)
         else "prune_weights")
        for c in configs
        if c is not None
    }
    if len(kinds) != 1:
        raise CompileError(
            "weight_compression: give an OptimizationConfig of one kind (palettization, linear quantization "
            "or pruning); apply several with ct.optimize.coreml on the returned model"
        )
    return kinds.pop()


@contextlib.contextmanager
def _progress(show_progress: bool):
    # coremltools draws a progress bar per compression pass (tqdm imported
    # by name into the module); compile(show_progress=True) keeps it.
    from coremltools.optimize.coreml import _quantization_passes

    original = _quantization_passes.tqdm
    if not show_progress:
        _quantization_passes.tqdm = lambda iterable, *args, **kwargs: iterable
    try:
        yield
    finally:
        _quantization_passes.tqdm = original


def compress(mlmodel, config, show_progress: bool = False):
    """`mlmodel` with its weights compressed by `config` (an
    OptimizationConfig); metadata kept."""
    function = getattr(coremltools().optimize.coreml, _kind(config))
    with _progress(show_progress):
        return function(mlmodel, config)


def compress_program(program, config, show_progress: bool = False) -> None:
    """Compress the weights of a MIL `program` (after coremltools' passes)
    in place with `config`: the graph pass that `compress` applies through
    ct.optimize.coreml, without the round trip through a saved model
    (compile_multifunction)."""
    coremltools()
    from coremltools.converters.mil.mil.passes.pass_registry import PASS_REGISTRY
    from coremltools.converters.mil.mil.passes.graph_pass import PassOption

    graph_pass = PASS_REGISTRY[f"compression::{_kind(config)}"]
    graph_pass.set_options([PassOption("config", config), PassOption("joint_compression", False)])
    with _progress(show_progress):
        graph_pass.apply(program)
