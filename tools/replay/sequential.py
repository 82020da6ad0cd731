#!/usr/bin/python3
"""A torch.nn.Sequential as typegrad sees it: the module list of a reference case
(tests/golden/README.md, model kind "sequential"; docs/replay.md) and the typegrad model type.

From Python, with a model in hand (needs torch):

    import sequential
    modules = sequential.modules_of(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.GELU()))
    print(sequential.typegrad_type(modules))   # tg::sequential<tg::Linear<4, 8>, tg::GELU<>>

From the command line, with a case file (no torch needed; the golden kinds "linear" and "mlp" are
read as the module lists they stand for):

    sequential.py type CASE.json      the model type, as a C++ type
    sequential.py source CASE.json    the C++ source the replay compiles for the case's
                                      architecture, loss and optimiser (scripts/replay)
    sequential.py key CASE.json       what the compiled replay is cached by

A module typegrad does not have, or an option it does not take (a Linear without bias, a Softplus
with beta, an Embedding with padding_idx, a BatchNorm without affine parameters), is refused with
the module's index and what is not supported. An Embedding comes first: the model then reads one
column, the indices (torch's input of shape [batch], integers as numbers in the data), as
`tg::Embedding` on `tg::input<"x", 1>`. A BatchNorm2d needs an image: an Unflatten (and a Conv2d)
before it, a Flatten after.
"""
import hashlib
import json
import sys


class Unsupported(ValueError):
    pass


def _constant(v):
    """A float as a typegrad compile-time constant literal (tg::literals): 0.2 -> 0.2_c."""
    text = repr(float(v))
    return text + "_c"


def modules_of(seq):
    """The case's module list for a torch.nn.Sequential (torch's argument names)."""
    import torch.nn as nn

    out = []
    for i, m in enumerate(seq):
        if isinstance(m, nn.Linear):
            if m.bias is None:
                raise Unsupported(f"module {i}: Linear without bias")
            out.append({"type": "Linear", "in_features": m.in_features, "out_features": m.out_features})
        elif isinstance(m, (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.SiLU)):
            out.append({"type": type(m).__name__})
        elif isinstance(m, nn.Softplus):
            if m.beta != 1 or m.threshold != 20:
                raise Unsupported(f"module {i}: Softplus with beta {m.beta}, threshold {m.threshold}")
            out.append({"type": "Softplus"})
        elif isinstance(m, nn.GELU):
            out.append({"type": "GELU", "approximate": m.approximate})
        elif isinstance(m, nn.ELU):
            out.append({"type": "ELU", "alpha": m.alpha})
        elif isinstance(m, nn.LeakyReLU):
            out.append({"type": "LeakyReLU", "negative_slope": m.negative_slope})
        elif isinstance(m, nn.Softmax):
            if m.dim not in (-1, 1):
                raise Unsupported(f"module {i}: Softmax over dim {m.dim} (typegrad: over the features)")
            out.append({"type": "Softmax", "dim": -1})
        elif isinstance(m, nn.Dropout):
            out.append({"type": "Dropout", "p": m.p})
        elif isinstance(m, nn.LayerNorm):
            out.append({"type": "LayerNorm", "normalized_shape": list(m.normalized_shape), "eps": m.eps,
                        "elementwise_affine": m.elementwise_affine})
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if m.momentum is None:
                raise Unsupported(f"module {i}: {type(m).__name__} with momentum=None (the cumulative average)")
            out.append({"type": type(m).__name__, "num_features": m.num_features, "eps": m.eps,
                        "momentum": m.momentum, "affine": m.affine, "track_running_stats": m.track_running_stats})
        elif isinstance(m, nn.Unflatten):
            if m.dim not in (1, -1) or len(m.unflattened_size) not in (2, 3):
                raise Unsupported(f"module {i}: Unflatten of dim {m.dim} into {tuple(m.unflattened_size)} "
                                  "(typegrad: the features into [C, L] or [C, H, W])")
            out.append({"type": "Unflatten", "dim": 1, "unflattened_size": list(m.unflattened_size)})
        elif isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                raise Unsupported(f"module {i}: Flatten({m.start_dim}, {m.end_dim}) (typegrad: Flatten(1, -1))")
            out.append({"type": "Flatten"})
        elif isinstance(m, nn.Conv2d):
            for option, default in (("groups", 1), ("padding_mode", "zeros")):
                if getattr(m, option) != default:
                    raise Unsupported(f"module {i}: Conv2d with {option}={getattr(m, option)!r}")
            for option in ("kernel_size", "stride", "padding", "dilation"):
                v = getattr(m, option)
                if isinstance(v, str) or v[0] != v[1]:
                    raise Unsupported(f"module {i}: Conv2d with {option}={v!r} (typegrad: one size for both)")
            out.append({"type": "Conv2d", "in_channels": m.in_channels, "out_channels": m.out_channels,
                        "kernel_size": m.kernel_size[0], "stride": m.stride[0], "padding": m.padding[0],
                        "dilation": m.dilation[0], "bias": m.bias is not None})
        elif isinstance(m, nn.Embedding):
            if i != 0:
                raise Unsupported(f"module {i}: Embedding after another module (typegrad: first, on a column of indices)")
            for option, default in (("padding_idx", None), ("max_norm", None), ("scale_grad_by_freq", False)):
                if getattr(m, option) != default:
                    raise Unsupported(f"module {i}: Embedding with {option}={getattr(m, option)!r}")
            out.append({"type": "Embedding", "num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim})
        else:
            raise Unsupported(f"module {i}: {type(m).__name__} is not a typegrad layer the exporter knows")
    return out


def _layer(i, m):
    t = m["type"]
    if t == "Linear":
        return f"tg::Linear<{int(m['in_features'])}, {int(m['out_features'])}>"
    if t == "Embedding":
        if i != 0:
            raise Unsupported(f"module {i}: Embedding after another module")
        return f"tg::Embedding<{int(m['num_embeddings'])}, {int(m['embedding_dim'])}>"
    if t in ("ReLU", "Tanh", "Sigmoid", "SiLU", "Softplus"):
        return f"tg::{t}"
    if t == "GELU":
        approximate = m.get("approximate", "none")
        if approximate not in ("none", "tanh"):
            raise Unsupported(f"module {i}: GELU approximate={approximate!r}")
        return "tg::GELU<>" if approximate == "none" else 'tg::GELU<"tanh">'
    if t == "ELU":
        return "tg::ELU<>" if m.get("alpha", 1.0) == 1.0 else f"tg::ELU<{_constant(m['alpha'])}>"
    if t == "LeakyReLU":
        slope = m.get("negative_slope", 0.01)
        return "tg::LeakyReLU<>" if slope == 0.01 else f"tg::LeakyReLU<{_constant(slope)}>"
    if t == "Softmax":
        if m.get("dim", -1) not in (-1, 1):
            raise Unsupported(f"module {i}: Softmax over dim {m['dim']}")
        return "tg::Softmax"
    if t == "Dropout":
        return "tg::Dropout<>" if m.get("p", 0.5) == 0.5 else f"tg::Dropout<{_constant(m['p'])}>"
    if t in ("BatchNorm1d", "BatchNorm2d"):
        if not m.get("affine", True):
            raise Unsupported(f"module {i}: {t} with affine=False (typegrad's has its weight and bias)")
        if not m.get("track_running_stats", True):
            raise Unsupported(f"module {i}: {t} with track_running_stats=False")
        if m.get("momentum", 0.1) is None:
            raise Unsupported(f"module {i}: {t} with momentum=None (the cumulative average)")
        c, eps, momentum = int(m["num_features"]), m.get("eps", 1e-5), m.get("momentum", 0.1)
        if eps == 1e-5 and momentum == 0.1:
            return f"tg::{t}<{c}>"
        return f"tg::{t}<{c}, {_constant(eps)}, {_constant(momentum)}>"
    if t == "Unflatten":
        if m.get("dim", 1) not in (1, -1) or len(m["unflattened_size"]) not in (2, 3):
            raise Unsupported(f"module {i}: Unflatten of dim {m.get('dim')} into {m['unflattened_size']}")
        return "tg::Unflatten<" + ", ".join(str(int(d)) for d in m["unflattened_size"]) + ">"
    if t == "Flatten":
        return "tg::Flatten"
    if t == "Conv2d":
        args = [int(m["in_channels"]), int(m["out_channels"]), int(m["kernel_size"]), int(m.get("stride", 1)),
                int(m.get("padding", 0)), int(m.get("dilation", 1))]
        bias = m.get("bias", True)
        defaults = [None, None, None, 1, 0, 1]
        while bias and len(args) > 3 and args[-1] == defaults[len(args) - 1]:
            args.pop()
        return "tg::Conv2d<" + ", ".join(map(str, args)) + ("" if bias else ", false") + ">"
    if t == "LayerNorm":
        shape = [int(d) for d in m["normalized_shape"]]
        dims = str(shape[0]) if len(shape) == 1 else "tg::shape<" + ", ".join(map(str, shape)) + ">{}"
        eps = m.get("eps", 1e-5)
        affine = m.get("elementwise_affine", True)
        if eps == 1e-5 and affine:
            return f"tg::LayerNorm<{dims}>"
        return f"tg::LayerNorm<{dims}, {_constant(eps)}, {'true' if affine else 'false'}>"
    raise Unsupported(f"module {i}: {t} is not a typegrad layer the exporter knows")


def typegrad_type(modules):
    """The tg::sequential<...> type of a module list (needs `using namespace tg::literals;` where
    it has constants)."""
    return "tg::sequential<" + ", ".join(_layer(i, m) for i, m in enumerate(modules)) + ">"


def _widths(modules):
    """(input width, output width) of a module list: the input's from its first module that fixes
    it (a Linear's in_features, an Unflatten's size, a BatchNorm1d's num_features; an Embedding
    first reads one column, the indices), the output's from the last Linear."""
    linears = [m for m in modules if m["type"] == "Linear"]
    if not linears:
        raise Unsupported("a sequential model needs a Linear layer to fix its widths")
    n_in = None
    for m in modules:
        if m["type"] == "Embedding":
            n_in = 1
        elif m["type"] == "Linear":
            n_in = int(m["in_features"])
        elif m["type"] == "Unflatten":
            n_in = 1
            for d in m["unflattened_size"]:
                n_in *= int(d)
        elif m["type"] == "BatchNorm1d":
            n_in = int(m["num_features"])
        elif m["type"] in ("Conv2d", "BatchNorm2d", "Flatten"):
            raise Unsupported(f"a {m['type']} before any Unflatten: the model's input is a vector of features")
        if n_in is not None:
            break
    return n_in, int(linears[-1]["out_features"])


LOSSES = {
    "mse": ("tg::mse", 'tg::target<"y">'),
    "bce_with_logits": ("tg::bce_with_logits", 'tg::target<"y">'),
    "cross_entropy": ("tg::cross_entropy", 'tg::class_target<"y", {out}>'),
}
POLICIES = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop")


ACTIVATIONS = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid"}


def case_modules(case):
    """A case's module list: its own (kind "sequential"), or the golden kinds' "linear" and "mlp"
    (Linear layers of `layers`, `activation` after every one but the last) spelled as one."""
    model = case["model"]
    if model["kind"] == "sequential":
        return model["modules"]
    if model["kind"] not in ("linear", "mlp"):
        raise Unsupported(f"model kind {model['kind']}")
    widths, act = model["layers"], model.get("activation", "none")
    if model["kind"] == "mlp" and act not in ACTIVATIONS:
        raise Unsupported(f"activation {act}")
    out = []
    for i in range(len(widths) - 1):
        if i:
            out.append({"type": ACTIVATIONS[act]})
        out.append({"type": "Linear", "in_features": widths[i], "out_features": widths[i + 1]})
    return out


def source(case):
    """The C++ translation unit that replays cases of this architecture, loss and optimiser."""
    modules = case_modules(case)
    n_in, n_out = _widths(modules)
    if case["loss"] not in LOSSES:
        raise Unsupported(f"loss {case['loss']}")
    optimizer = case["optimizer"]["name"]
    if optimizer not in POLICIES:
        raise Unsupported(f"optimizer {optimizer}")
    loss, target = LOSSES[case["loss"]]
    return f"""// Generated by tools/replay/sequential.py for {key(case)}: do not edit.
#include "run.hpp"

namespace typegrad::replay {{

bool replay_generated(const reference_case& c, const data::dataset& d, trajectory& t, std::string& why) {{
    namespace tg = typegrad;
    using namespace tg::literals;
    using model = {typegrad_type(modules)};
    return replay_with_policy<tg::optim::{optimizer}>({loss}(model{{}}(tg::input<"x", {n_in}>), {target.format(out=n_out)}),
                                                     c, d, t, why);
}}

}}  // namespace typegrad::replay
"""


def key(case):
    """What a compiled replay serves: the modules, the loss and the optimiser's name."""
    what = json.dumps([case_modules(case), case["loss"], case["optimizer"]["name"]], sort_keys=True)
    return hashlib.sha256(what.encode()).hexdigest()[:16]


def main(argv):
    if len(argv) != 3 or argv[1] not in ("type", "source", "key"):
        print(__doc__.strip().split("\n\n")[2], file=sys.stderr)
        return 2
    with open(argv[2]) as f:
        case = json.load(f)
    try:
        print({"type": lambda: typegrad_type(case_modules(case)), "source": lambda: source(case),
               "key": lambda: key(case)}[argv[1]](), end="" if argv[1] == "source" else "\n")
    except Unsupported as e:
        print(f"sequential.py: {argv[2]}: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
