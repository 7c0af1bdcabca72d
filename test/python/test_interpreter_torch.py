"""Cross-check the interpreter against PyTorch on programs made by coremltools' torch front end.

Each case traces a small ``torch.nn.Module``, converts it with ``ct.convert``
(mlprogram, iOS17), asserts which MIL op types the serialized program
contains (so the op the case is named for is really exercised), runs the
interpreter on the in-memory MLModel and compares with PyTorch.
"""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ct = pytest.importorskip("coremltools")

import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from hlo_coreml.interpreter import Interpreter, run  # noqa: E402

FP32 = ct.precision.FLOAT32
FP16 = ct.precision.FLOAT16


class Fn(nn.Module):
    """Wrap a function as a module."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=_gen(seed))


def convert(module, args, precision=FP32):
    """Trace and convert ``module`` with inputs named x0, x1, ..."""
    module = module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(module, tuple(args))
        inputs = [
            ct.TensorType(
                shape=tuple(a.shape),
                name=f"x{i}",
                dtype=np.int32 if not a.dtype.is_floating_point else np.float32,
            )
            for i, a in enumerate(args)
        ]
        return ct.convert(
            traced,
            inputs=inputs,
            convert_to="mlprogram",
            minimum_deployment_target=ct.target.iOS17,
            compute_precision=precision,
        )


def spec_op_types(mlmodel):
    """All op types in the serialized main function (including nested blocks)."""
    spec = mlmodel.get_spec()
    func = spec.mlProgram.functions["main"]
    found = set()

    def walk(block):
        for op in block.operations:
            found.add(op.type)
            for b in op.blocks:
                walk(b)

    walk(func.block_specializations[func.opset])
    return found


def feeds(args):
    return {f"x{i}": a.numpy() for i, a in enumerate(args)}


def check(module, args, ops, precision=FP32, rtol=1e-5, atol=1e-5):
    mlmodel = convert(module, args, precision)
    present = spec_op_types(mlmodel)
    missing = set(ops) - present
    assert not missing, f"expected MIL ops {sorted(missing)} not in converted program {sorted(present)}"
    outputs = list(run(mlmodel, feeds(args)).values())
    with torch.no_grad():
        ref = module(*args)
    refs = ref if isinstance(ref, (tuple, list)) else (ref,)
    assert len(outputs) == len(refs)
    for got, want in zip(outputs, refs):
        want = want.numpy()
        assert got.shape == want.shape
        if precision == FP16:
            assert got.dtype == np.float16
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol)
    return mlmodel


class ConvBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        return self.pool(torch.relu(self.conv(x)))


class MLPBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(16)
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 16)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.ln(x))))


IDX = torch.tensor([[1, 3, 0], [2, 2, 9]], dtype=torch.int32)

# (id, module, args, MIL op types that must be present)
CASES = [
    ("conv2d_strided_padded", nn.Conv2d(3, 4, 3, stride=2, padding=1), [randn(1, 3, 9, 9)], {"conv"}),
    ("conv2d_depthwise_dilated", nn.Conv2d(4, 8, 3, groups=4, dilation=2, padding=2), [randn(1, 4, 9, 9)],
     {"conv"}),
    ("conv2d_grouped", nn.Conv2d(4, 6, (3, 2), groups=2, stride=(1, 2)), [randn(2, 4, 7, 8)], {"conv"}),
    ("conv2d_same", nn.Conv2d(3, 4, (3, 4), padding="same"), [randn(1, 3, 6, 7)], {"conv"}),
    ("conv1d", nn.Conv1d(3, 4, 3, padding=2), [randn(1, 3, 9)], {"conv"}),
    ("conv3d", nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), [randn(1, 2, 4, 5, 6)], {"conv"}),
    ("conv_transpose2d", nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1), [randn(1, 3, 4, 5)],
     {"conv_transpose"}),
    ("conv_transpose2d_dilated", nn.ConvTranspose2d(3, 2, 3, stride=2, dilation=2), [randn(1, 3, 4, 5)],
     {"conv_transpose"}),
    ("conv_transpose2d_groups_outpad",
     nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), [randn(1, 4, 5, 5)],
     {"conv_transpose", "crop"}),
    ("conv_transpose1d", nn.ConvTranspose1d(3, 2, 4, stride=2), [randn(1, 3, 5)], {"conv_transpose"}),
    ("max_pool_ceil", nn.MaxPool2d(3, 2, padding=1, ceil_mode=True), [randn(1, 2, 8, 8)], {"max_pool"}),
    ("max_pool1d_ceil", nn.MaxPool1d(3, 2, ceil_mode=True), [randn(1, 2, 8)], {"max_pool"}),
    ("avg_pool_exclude_pad", nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False),
     [randn(1, 2, 8, 8)], {"avg_pool"}),
    ("avg_pool_include_pad", nn.AvgPool2d(3, 2, padding=1, count_include_pad=True), [randn(1, 2, 7, 7)],
     {"avg_pool"}),
    ("avg_pool_ceil_include_pad", nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=True),
     [randn(1, 2, 8, 8)], {"avg_pool"}),
    ("batch_norm", nn.BatchNorm2d(3), [randn(2, 3, 4, 4)], {"batch_norm"}),
    ("instance_norm", nn.InstanceNorm2d(3, affine=True), [randn(2, 3, 4, 5)], {"instance_norm"}),
    ("layer_norm", nn.LayerNorm([4, 5]), [randn(3, 4, 5)], {"layer_norm"}),
    ("linear", nn.Linear(6, 5), [randn(2, 6)], {"linear"}),
    ("matmul", Fn(lambda a, b: a @ b), [randn(2, 3, 4), randn(2, 4, 5, seed=1)], {"matmul"}),
    ("softmax", Fn(lambda a: a.softmax(1)), [randn(2, 3, 4)], {"softmax"}),
    ("log_softmax", nn.LogSoftmax(1), [randn(2, 5)], {"softmax", "log"}),
    ("gelu_exact", nn.GELU(), [randn(2, 3)], {"gelu"}),
    ("gelu_tanh", nn.GELU("tanh"), [randn(2, 3)], {"gelu"}),
    ("sigmoid", nn.Sigmoid(), [randn(2, 3)], {"sigmoid"}),
    ("tanh", nn.Tanh(), [randn(2, 3)], {"tanh"}),
    ("relu", nn.ReLU(), [randn(2, 3)], {"relu"}),
    ("elu", nn.ELU(0.5), [randn(2, 3)], {"elu"}),
    ("leaky_relu", nn.LeakyReLU(0.2), [randn(2, 3)], {"leaky_relu"}),
    ("silu", nn.SiLU(), [randn(2, 3)], {"silu"}),
    ("hardswish", nn.Hardswish(), [randn(2, 5) * 4], {"sigmoid_hard", "thresholded_relu"}),
    ("mish", nn.Mish(), [randn(2, 5)], {"softplus", "tanh"}),
    ("clip", Fn(lambda a: torch.clamp(a, -0.5, 0.7)), [randn(2, 5)], {"clip"}),
    ("arith", Fn(lambda a, b: (a + b) * a - b / (a.abs() + 1)), [randn(2, 3), randn(2, 3, seed=1)],
     {"add", "sub", "mul", "real_div", "abs"}),
    ("pow", Fn(lambda a, b: torch.pow(a.abs() + 0.1, b)), [randn(2, 5), randn(2, 5, seed=1)], {"pow"}),
    ("sqrt_rsqrt", Fn(lambda a: torch.sqrt(a.abs()) + torch.rsqrt(a.abs() + 1)), [randn(2, 5)],
     {"sqrt", "rsqrt"}),
    ("exp_log", Fn(lambda a: torch.exp(a) + torch.log(a.abs() + 0.1)), [randn(2, 5)], {"exp", "log"}),
    ("trig", Fn(lambda a: torch.sin(a) + torch.cos(a) + torch.atan(a) + torch.sinh(a)), [randn(2, 5)],
     {"sin", "cos", "atan", "sinh"}),
    ("erf_round_sign", Fn(lambda a: torch.erf(a) + torch.round(a * 3) + torch.sign(a)), [randn(2, 5)],
     {"erf", "round", "sign"}),
    ("reduce_mean", Fn(lambda a: a.mean(dim=(1, 2))), [randn(2, 3, 4)], {"reduce_mean"}),
    ("reduce_sum_keep", Fn(lambda a: a.sum(-1, keepdim=True)), [randn(2, 3, 4)], {"reduce_sum"}),
    ("reduce_max_min", Fn(lambda a: a.amax(1) - a.amin(1)), [randn(2, 3, 4)], {"reduce_max", "reduce_min"}),
    ("reduce_logsumexp_l2", Fn(lambda a: torch.logsumexp(a, 1) + torch.norm(a, dim=1)), [randn(2, 5)],
     {"reduce_log_sum_exp", "reduce_l2_norm"}),
    ("max_with_indices", Fn(lambda a: torch.max(a, 1)), [randn(2, 5)], {"reduce_max", "reduce_argmax"}),
    ("transpose", Fn(lambda a: a.permute(2, 0, 1)), [randn(2, 3, 4)], {"transpose"}),
    ("reshape", Fn(lambda a: a.reshape(3, 8)), [randn(2, 3, 4)], {"reshape"}),
    ("concat", Fn(lambda a, b: torch.cat([a, b], 1)), [randn(2, 3), randn(2, 4, seed=1)], {"concat"}),
    ("stack_split", Fn(lambda a: torch.split(torch.stack([a, a * 2], 1), [1, 1], dim=1)), [randn(2, 5)],
     {"stack", "split"}),
    ("slice_by_index", Fn(lambda a: a[:, 1:3, ::2]), [randn(2, 4, 6)], {"slice_by_index"}),
    ("pad_constant", Fn(lambda a: F.pad(a, (1, 2, 0, 1), value=0.5)), [randn(1, 2, 3, 4)], {"pad"}),
    ("pad_reflect", Fn(lambda a: F.pad(a, (1, 2, 2, 1), mode="reflect")), [randn(1, 2, 3, 4)], {"pad"}),
    ("pad_replicate", Fn(lambda a: F.pad(a, (1, 2, 2, 1), mode="replicate")), [randn(1, 2, 3, 4)], {"pad"}),
    ("gather_const_indices", Fn(lambda a: a[:, torch.tensor([2, 0, 1])]), [randn(2, 3)], {"gather"}),
    ("embedding_int_input", Fn(lambda i: F.embedding(i.long(), torch.arange(40.0).reshape(10, 4))), [IDX],
     {"gather", "select"}),
    ("gather_along_axis", Fn(lambda a, i: torch.gather(a, 1, i.long())), [randn(2, 10), IDX],
     {"gather_along_axis"}),
    ("one_hot", Fn(lambda i: F.one_hot(i.long(), 10).float()), [IDX], {"one_hot"}),
    ("scatter_add", Fn(lambda a: torch.zeros(3, 5).scatter_add(0, torch.tensor([[0, 1, 2, 0, 1]]), a)),
     [randn(1, 5)], {"scatter_along_axis"}),
    ("index_put", Fn(lambda a: a.index_put((torch.tensor([0, 2]),), torch.ones(2, 5))), [randn(3, 5)],
     {"scatter_nd"}),
    ("cumsum", Fn(lambda a: torch.cumsum(a, 1)), [randn(2, 3)], {"cumsum"}),
    ("topk", Fn(lambda a: torch.topk(a, 2)), [randn(2, 5)], {"topk"}),
    ("argsort", Fn(lambda a: torch.argsort(a, dim=1)), [randn(2, 5)], {"argsort"}),
    ("sort_descending", Fn(lambda a: torch.sort(a, 1, descending=True)), [randn(2, 5)],
     {"argsort", "gather_along_axis"}),
    ("where", Fn(lambda a, b: torch.where(a > b, a, b)), [randn(2, 5), randn(2, 5, seed=1)],
     {"greater", "select"}),
    ("compare_cast", Fn(lambda a, b: (a != b).float() + (a >= b).float() + (~(a <= b)).float()),
     [randn(2, 5), randn(2, 5, seed=1)], {"not_equal", "greater_equal", "less_equal", "logical_not", "cast"}),
    ("floor_div", Fn(lambda a, b: torch.floor_divide(a * 4, b.abs() + 0.5)), [randn(2, 5), randn(2, 5, seed=1)],
     {"floor_div"}),
    ("mod", Fn(lambda a, b: torch.remainder(a * 4, b.abs() + 0.5)), [randn(2, 5), randn(2, 5, seed=1)],
     {"floor_div", "mul", "sub"}),
    ("int_arith", Fn(lambda i: (i * 3 + 7) // 2 - i % 3), [IDX], {"floor_div", "mul", "add", "sub"}),
    ("cast_truncation", Fn(lambda a: (a * 3).int().float()), [randn(2, 5)], {"cast"}),
    ("upsample_nearest", nn.Upsample(scale_factor=2, mode="nearest"), [randn(1, 2, 3, 4)],
     {"upsample_nearest_neighbor"}),
    ("upsample_bilinear_half_pixel", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
     [randn(1, 2, 3, 4)], {"upsample_bilinear"}),
    ("upsample_bilinear_align_corners", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
     [randn(1, 2, 3, 4)], {"upsample_bilinear"}),
    ("interpolate_bilinear_size", Fn(lambda a: F.interpolate(a, size=(5, 7), mode="bilinear")),
     [randn(1, 2, 3, 4)], {"upsample_bilinear"}),
    ("pixel_shuffle", nn.PixelShuffle(2), [randn(1, 8, 3, 3)], {"pixel_shuffle"}),
    ("pixel_unshuffle", nn.PixelUnshuffle(2), [randn(1, 2, 4, 6)], {"pixel_unshuffle"}),
    ("flip_tile", Fn(lambda a: torch.flip(a, [1]).repeat(2, 3)), [randn(2, 5)], {"reverse", "tile"}),
    ("expand_squeeze", Fn(lambda a: a.squeeze(1).unsqueeze(0).expand(3, 2, 5)), [randn(2, 1, 5)],
     {"squeeze", "expand_dims", "tile"}),
    ("tril", Fn(lambda a: torch.tril(a)), [randn(4, 5)], {"band_part"}),
    ("full_like", Fn(lambda a: torch.full_like(a, 3.0) + a), [randn(2, 5)], {"fill_like"}),
    ("nonzero", Fn(lambda a: torch.nonzero(a > 0)), [randn(2, 5)], {"non_zero"}),
    ("glu", nn.GLU(), [randn(2, 6)], {"split", "sigmoid"}),
]


@pytest.mark.parametrize("name,module,args,ops", CASES, ids=[c[0] for c in CASES])
def test_torch_fp32(name, module, args, ops):
    check(module, args, ops)


FP16_CASES = [
    ("conv_relu_avgpool", ConvBlock(), [randn(1, 3, 8, 8)], {"conv", "relu", "avg_pool"}),
    ("layernorm_linear_gelu", MLPBlock(), [randn(2, 5, 16)], {"layer_norm", "linear", "gelu"}),
    ("attention_scores", Fn(lambda a, b: torch.softmax(a @ b.transpose(-1, -2) / 4, -1)),
     [randn(2, 4, 16), randn(2, 6, 16, seed=1)], {"matmul", "softmax"}),
    ("batchnorm_sigmoid", nn.Sequential(nn.BatchNorm2d(3), nn.Sigmoid()), [randn(2, 3, 4, 4)],
     {"batch_norm", "sigmoid"}),
]


@pytest.mark.parametrize("name,module,args,ops", FP16_CASES, ids=[c[0] for c in FP16_CASES])
def test_torch_fp16(name, module, args, ops):
    check(module, args, ops, precision=FP16, rtol=1e-2, atol=5e-3)


def test_torch_cross_check_covers_many_op_types():
    """The fp32 cases claim at least 25 distinct MIL op types."""
    claimed = set().union(*(c[3] for c in CASES))
    assert len(claimed) >= 25, sorted(claimed)


def test_reciprocal_keeps_inverse_epsilon():
    """torch.reciprocal becomes MIL inverse with the default epsilon 1e-4: 1/(x + 1e-4)."""
    module, args = Fn(lambda a: torch.reciprocal(a.abs() + 1)), [randn(2, 5)]
    mlmodel = convert(module, args)
    assert "inverse" in spec_op_types(mlmodel)
    got = run(mlmodel, feeds(args))
    (out,) = got.values()
    x = args[0].abs().numpy() + 1
    np.testing.assert_allclose(out, 1 / (x + np.float32(1e-4)), rtol=1e-6)
    assert not np.allclose(out, 1 / x, rtol=1e-6, atol=0)


def test_run_saved_package(tmp_path):
    """run() accepts a path to a saved .mlpackage (str or PathLike)."""
    module, args = ConvBlock(), [randn(1, 3, 8, 8)]
    mlmodel = convert(module, args)
    path = tmp_path / "block.mlpackage"
    mlmodel.save(str(path))
    with torch.no_grad():
        want = module(*args).numpy()
    for p in (path, str(path)):
        (out,) = run(p, feeds(args)).values()
        np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    interp = Interpreter(str(path))
    assert interp.output_names == list(run(mlmodel, feeds(args)).keys())
