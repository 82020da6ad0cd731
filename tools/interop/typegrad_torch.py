#!/usr/bin/python3
"""Moves a PyTorch model, its torch.optim optimiser and its scheduler to and from typegrad's
checkpoint layout (a safetensors file; docs/interop.md, "Moving a model between PyTorch and
typegrad").

    import typegrad_torch
    typegrad_torch.save("run.safetensors", model, opt, sched, metadata={"user.note": "epoch 3"})
    # ... a new process: build the same model, optimiser and scheduler, then
    meta = typegrad_torch.load("run.safetensors", model, opt, sched)

``load`` restores torch's exact state -- parameters, every state entry in the type torch 1.13
holds it in, the groups' options (and the keys schedulers add to them), the scheduler's
state -- so that training continues as if it had never stopped. Build the optimiser and the
scheduler first, then load (a scheduler's constructor overwrites the groups' ``lr``).

Command line:  typegrad_torch.py info FILE     (layout, options, state shapes)
               typegrad_torch.py verify FILE   (checksum and layout; exit 1 when bad)
"""

import collections
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

__all__ = ["save", "load", "check_layout", "CheckpointError", "FORMAT", "FORMAT_VERSION"]

FORMAT = safetensors_io.CHECKPOINT_FORMAT
FORMAT_VERSION = "1"
STATE_PREFIX = "optimizer.state."
# Tensors of a typegrad checkpoint that are not torch's: what typegrad keeps beside the optimiser
# state so that its own resume is bit-identical (Adam's running powers of beta), and the
# standardisers of the data (features, and a regression target). torch ignores them.
TYPEGRAD_ONLY_PREFIXES = ("optimizer.typegrad.", "standardizer.", "target_scaler.")
PYTHON_NUMBERS_KEY = "optimizer.python_numbers"
RESERVED_KEYS = {"format", "format.version", "parameters", "optimizer", "optimizer.param_groups",
                 "scheduler", PYTHON_NUMBERS_KEY, safetensors_io.CRC_KEY}

# How torch 1.13 holds each optimiser's scalar state: "int" a Python int, "tensor" a 0-d tensor
# of the default dtype (float32), as torch.tensor(0.) makes it. The other keys are tensors shaped
# like their parameter. A file written elsewhere may store a scalar in another dtype (I64 for a
# float32 counter, say): load converts it to torch's kind.
TORCH_SCALARS = {
    "SGD": {},
    "Adam": {"step": "tensor"},
    "AdamW": {"step": "tensor"},
    "Adamax": {"step": "tensor"},
    "NAdam": {"step": "tensor", "mu_product": "tensor"},
    "RAdam": {"step": "tensor"},
    "Adagrad": {"step": "tensor"},
    "ASGD": {"step": "tensor", "eta": "tensor", "mu": "tensor"},
    "RMSprop": {"step": "int"},
    "Adadelta": {"step": "int"},
    "Rprop": {"step": "int"},
}
# LBFGS keeps one state for all its parameters, under the first: lists of tensors (the pairs, ro),
# which the file holds as one tensor each, rows oldest first (old_dirs and old_stps [history, n],
# ro [history]), `d` and `prev_flat_grad` flat over every parameter ([n]), and `al`, scratch that
# every iteration writes before it reads it, which the file leaves out (torch makes it again).
LBFGS_LISTS = ("old_dirs", "old_stps", "ro")
LBFGS_FLAT = ("d", "prev_flat_grad")
LBFGS_SCRATCH = ("al",)
LBFGS_NUMBERS = {"func_evals": "int", "n_iter": "int", "prev_loss": "float"}
# Options that choose torch's code path (multi-tensor, CUDA graphs, autograd through the step,
# fused kernels), not the arithmetic: written as they are, never taken from a file on load.
IMPLEMENTATION_OPTIONS = ("foreach", "capturable", "differentiable", "fused")
# Options torch keeps as tuples; JSON has lists.
TUPLE_OPTIONS = ("betas", "etas", "step_sizes")


class CheckpointError(ValueError):
    """A checkpoint that does not fit the model, optimiser or scheduler it is loaded into."""


def _fail(path, message):
    raise CheckpointError(f"typegrad: {path}: {message}")


# --- JSON for options and scheduler state -------------------------------------------------
# Strict JSON (no NaN/Infinity, which a C++ reader rejects): a non-finite float is
# {"__float__": "inf" | "-inf" | "nan"}; a collections.Counter (MultiStepLR's milestones) is
# {"__counter__": [[key, count], ...]}; tuples become lists. Values with no JSON form (OneCycleLR's
# anneal_func, a bound method) are left out: the live scheduler keeps its own.

_SKIP = object()


def _to_json(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, collections.Counter):
        return {"__counter__": [[_to_json(k), int(c)] for k, c in value.items()]}
    if isinstance(value, (list, tuple)):
        items = [_to_json(v) for v in value]
        return _SKIP if any(v is _SKIP for v in items) else items
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return _SKIP
        out = {k: _to_json(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _SKIP}
    if torch.is_tensor(value) and value.dim() == 0:
        return _to_json(value.item())
    return _SKIP


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            return float(value["__float__"])
        if set(value) == {"__counter__"}:
            return collections.Counter({_hashable(k): c for k, c in value["__counter__"]})
        return {k: _from_json(v) for k, v in value.items()}
    return value


def _hashable(v):
    return tuple(_hashable(x) for x in v) if isinstance(v, list) else v


def _like(live, value):
    """``value`` from JSON with tuples where the live object has tuples."""
    if isinstance(live, tuple) and isinstance(value, list):
        return tuple(_like(a, b) for a, b in zip(live, value)) if len(live) == len(value) else tuple(value)
    return value


def _dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# --- save -----------------------------------------------------------------------------------

def _numpy(name, tensor, allowed):
    t = tensor.detach().cpu()
    if t.dtype not in allowed:
        raise TypeError(f"typegrad: {name}: dtype {t.dtype} is not stored (allowed: "
                        f"{', '.join(str(d) for d in allowed)})")
    return t.contiguous().numpy().copy()


FLOATS = (torch.float32, torch.float64)
# BatchNorm's buffers, kept under torch's state_dict names beside the parameters.
BUFFER_SUFFIXES = (".running_mean", ".running_var", ".num_batches_tracked")
STATE_DTYPES = (torch.float32, torch.float64, torch.int64, torch.int32, torch.bool)


def lbfgs_state_to_file(state):
    """torch's LBFGS state (the entry of its first parameter) as the file holds it: the lists as
    one tensor each (an empty history as [0, n] and [0]), ``al`` left out."""
    out = {}
    d = state.get("d")
    n, dtype = (d.numel(), d.dtype) if torch.is_tensor(d) else (0, torch.get_default_dtype())
    for key, value in state.items():
        if key in LBFGS_SCRATCH:
            continue
        if key in LBFGS_LISTS:
            rows = [torch.as_tensor(v).reshape(() if key == "ro" else (-1,)) for v in value]
            out[key] = torch.stack(rows) if rows else torch.empty((0,) if key == "ro" else (0, n), dtype=dtype)
        else:
            out[key] = value
    return out


def _lbfgs_state_from_file(path, name, arrays, p, python_numbers):
    """The file's LBFGS state (``arrays``: key -> array, of the first parameter ``name``) as torch
    holds it: lists of tensors, Python numbers, tensors in the parameter's dtype."""
    entries = {}
    for key, array in arrays.items():
        tname = f"{STATE_PREFIX}{name}.{key}"
        if key in LBFGS_LISTS or key in LBFGS_FLAT:
            rank = 2 if key in ("old_dirs", "old_stps") else 1
            if array.ndim != rank or array.dtype.kind != "f":
                _fail(path, f"{tname}: a {rank}-d float tensor expected (has {array.dtype} {list(array.shape)})")
            t = torch.from_numpy(array.copy()).to(p.dtype)
            entries[key] = [row.clone() for row in t.unbind(0)] if key in LBFGS_LISTS else t
        elif key in LBFGS_NUMBERS:
            entries[key] = _scalar(path, tname, array, LBFGS_NUMBERS[key])
        elif key in ("t", "H_diag"):
            kind = ("int" if array.dtype.kind in "iu" else "float") if tname in python_numbers else "generic"
            entries[key] = _scalar(path, tname, array, kind)
        else:
            _fail(path, f"{tname}: not a key of LBFGS's state")
    return entries


def _optimizer_params(model, optimizer):
    """Names of the optimiser's parameters in its own order (torch's state_dict ids)."""
    name_of = {id(p): n for n, p in model.named_parameters()}
    names = []
    for g, group in enumerate(optimizer.param_groups):
        for p in group["params"]:
            if id(p) not in name_of:
                raise CheckpointError(f"typegrad: {type(optimizer).__name__}: param_groups[{g}] holds a "
                                      "tensor that is not a parameter of the model")
            names.append(name_of[id(p)])
    return names


def save(path, model, optimizer=None, scheduler=None, metadata=None):
    """Writes ``model``'s parameters and BatchNorm buffers (``N.running_mean``, ``N.running_var``,
    ``N.num_batches_tracked``), ``optimizer``'s state and options and ``scheduler``'s state to
    ``path`` in typegrad's checkpoint layout (atomically, with typegrad.crc32). ``metadata``:
    extra string -> string entries (``user.*`` by convention), kept as they are."""
    extra = dict(metadata or {})
    clash = RESERVED_KEYS.intersection(extra)
    if clash:
        raise ValueError(f"typegrad: metadata {sorted(clash)}: written by save itself")
    tensors = {}
    names = []
    for name, p in model.named_parameters():
        if name.startswith(STATE_PREFIX):
            raise ValueError(f"typegrad: parameter {name!r}: names starting with {STATE_PREFIX!r} "
                             "are the optimiser's")
        tensors[name] = _numpy(f"parameter {name!r}", p, FLOATS)
        names.append(name)
    for name, b in model.named_buffers():
        if name.endswith(BUFFER_SUFFIXES):
            tensors[name] = _numpy(f"buffer {name!r}", b, FLOATS + (torch.int64,))
    meta = {"format": FORMAT, "format.version": FORMAT_VERSION, "parameters": _dumps(names)}
    if optimizer is not None:
        cls = type(optimizer).__name__
        order = _optimizer_params(model, optimizer)
        sd = optimizer.state_dict()
        python_numbers = []
        for i, name in enumerate(order):
            entry = sd["state"].get(i, {})
            if cls == "LBFGS":
                entry = lbfgs_state_to_file(entry)
            for key, value in entry.items():
                if value is None:  # SGD's momentum_buffer without momentum: not state
                    continue
                if "." in key:
                    raise ValueError(f"typegrad: {cls}: state key {key!r} has a '.'")
                tname = f"{STATE_PREFIX}{name}.{key}"
                if torch.is_tensor(value):
                    tensors[tname] = _numpy(f"{cls} state {name}.{key}", value, STATE_DTYPES)
                elif isinstance(value, bool):
                    raise TypeError(f"typegrad: {cls} state {name}.{key}: a bool is not stored")
                elif isinstance(value, int):
                    tensors[tname] = np.array(value, dtype=np.int64)
                    python_numbers.append(tname)
                elif isinstance(value, float):
                    tensors[tname] = np.array(value, dtype=np.float64)
                    python_numbers.append(tname)
                else:
                    raise TypeError(f"typegrad: {cls} state {name}.{key}: a {type(value).__name__} "
                                    "has no checkpoint form (only tensors and numbers)")
        groups = []
        for group, live in zip(sd["param_groups"], optimizer.param_groups):
            options = {}
            for k, v in group.items():
                if k == "params":
                    continue
                j = _to_json(v)
                if j is _SKIP:
                    raise TypeError(f"typegrad: {cls}: option {k!r} = {v!r} has no JSON form")
                options[k] = j
            name_of = {id(p): n for n, p in model.named_parameters()}
            options["params"] = [name_of[id(p)] for p in live["params"]]
            groups.append(options)
        meta["optimizer"] = cls
        meta["optimizer.param_groups"] = _dumps(groups)
        if python_numbers:
            meta[PYTHON_NUMBERS_KEY] = _dumps(python_numbers)
    if scheduler is not None:
        state = _to_json(scheduler.state_dict())
        meta["scheduler"] = _dumps({"name": type(scheduler).__name__, "state": state})
    meta.update(extra)
    safetensors_io.write(path, tensors, meta, crc32=True)


# --- load -----------------------------------------------------------------------------------

def _json_meta(path, meta, key):
    if key not in meta:
        _fail(path, f"__metadata__ has no {key!r}")
    try:
        return json.loads(meta[key])
    except json.JSONDecodeError as e:
        _fail(path, f"__metadata__[{key!r}]: invalid JSON ({e.msg} at {e.pos})")


def check_layout(path, tensors, meta):
    """Checks ``meta``/``tensors`` (from safetensors_io.read) against the layout; returns
    (parameter names, {parameter name: {state key: array}})."""
    if meta.get("format") != FORMAT:
        _fail(path, f"__metadata__ format is {meta.get('format')!r}, not {FORMAT!r}")
    if meta.get("format.version") != FORMAT_VERSION:
        _fail(path, f"format.version {meta.get('format.version')!r}: this reader knows version {FORMAT_VERSION}")
    names = _json_meta(path, meta, "parameters")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        _fail(path, "parameters: not a list of distinct names")
    for n in names:
        if n not in tensors:
            _fail(path, f"parameter {n!r} is listed in 'parameters' but has no tensor")
    state = {n: {} for n in names}
    for tname, array in tensors.items():
        if tname in state or tname.startswith(TYPEGRAD_ONLY_PREFIXES) or tname.endswith(BUFFER_SUFFIXES):
            continue
        if not tname.startswith(STATE_PREFIX):
            _fail(path, f"tensor {tname!r} is neither a listed parameter nor optimizer state")
        rest = tname[len(STATE_PREFIX):]
        pname, _, key = rest.rpartition(".")
        if pname not in state or not key:
            _fail(path, f"tensor {tname!r}: optimizer state of no listed parameter")
        if "optimizer" not in meta:
            _fail(path, f"tensor {tname!r}: optimizer state, but no 'optimizer' in __metadata__")
        state[pname][key] = array
    return names, state


def _scalar(path, tname, array, kind):
    if array.size != 1 or array.ndim > 1:
        _fail(path, f"{tname}: a scalar must have shape [] (has {list(array.shape)})")
    value = array.reshape(()).item()
    if kind == "int":
        if isinstance(value, float) and not value.is_integer():
            _fail(path, f"{tname}: {value!r} is not an integer (torch holds it as a Python int)")
        return int(value)
    if kind == "float":
        return float(value)
    # A 0-d tensor. torch makes the known ones with torch.tensor(x): the default dtype,
    # whatever the file stored; an unknown one keeps the file's floating-point dtype.
    if kind == "generic" and array.dtype.kind == "f":
        return torch.from_numpy(array.copy())
    return torch.tensor(float(value), dtype=torch.get_default_dtype()).reshape(array.shape)


def load(path, model, optimizer=None, scheduler=None, strict=True):
    """Loads ``path`` into ``model`` (and ``optimizer``, ``scheduler`` when given); returns the
    file's whole ``__metadata__`` (keys written by others, ``training``, ``user.*``, included).

    Every tensor takes the dtype of the live parameter it belongs to (float64 -> float32 rounds
    to nearest); scalar state takes the type torch 1.13 holds it in. ``strict``: a file whose
    parameter names differ from the model's is an error (else only the common ones load)."""
    tensors, meta = safetensors_io.read(path)
    names, state = check_layout(path, tensors, meta)
    live = dict(model.named_parameters())
    if strict and list(live) != names:
        missing = [n for n in live if n not in names]
        unknown = [n for n in names if n not in live]
        _fail(path, f"parameters do not match the model: missing {missing}, unknown {unknown}"
                    + ("" if missing or unknown else f", order {names} vs {list(live)}"))
    with torch.no_grad():
        for n in names:
            if n not in live:
                continue
            p, array = live[n], tensors[n]
            if tuple(array.shape) != tuple(p.shape):
                _fail(path, f"parameter {n!r}: shape {list(array.shape)}, the model's is {list(p.shape)}")
            if array.dtype.kind != "f":
                _fail(path, f"parameter {n!r}: dtype {array.dtype} is not floating point")
            p.copy_(torch.from_numpy(array))
        for n, b in model.named_buffers():
            if not n.endswith(BUFFER_SUFFIXES):
                continue
            if n not in tensors:
                if strict:
                    _fail(path, f"buffer {n!r}: missing in the file")
                continue
            if tuple(tensors[n].shape) != tuple(b.shape):
                _fail(path, f"buffer {n!r}: shape {list(tensors[n].shape)}, the model's is {list(b.shape)}")
            b.copy_(torch.from_numpy(tensors[n]))
    if optimizer is not None:
        _load_optimizer(path, meta, tensors, state, model, optimizer)
    if scheduler is not None:
        if "scheduler" not in meta:
            _fail(path, f"no scheduler in the file ({type(scheduler).__name__} given)")
        entry = _from_json(_json_meta(path, meta, "scheduler"))
        if not isinstance(entry, dict) or "name" not in entry or not isinstance(entry.get("state"), dict):
            _fail(path, "scheduler: not {\"name\": ..., \"state\": {...}}")
        if entry["name"] != type(scheduler).__name__:
            _fail(path, f"scheduler is {entry['name']}, loading into {type(scheduler).__name__}")
        current = scheduler.state_dict()
        restored = {k: _like(current.get(k), v) for k, v in entry["state"].items()}
        scheduler.load_state_dict(restored)
    return meta


def _state_entries(path, n, arrays, p, scalars, python_numbers, exact):
    """The file's state of parameter ``n`` as torch holds it; 0-d tensors also into ``exact``."""
    entries = {}
    for key, array in arrays.items():
        tname = f"{STATE_PREFIX}{n}.{key}"
        kind = scalars.get(key)
        if tname in python_numbers:
            kind = "int" if array.dtype.kind in "iu" else "float"
        if kind is None and tuple(array.shape) == tuple(p.shape) and p.dim() > 0:
            entries[key] = torch.from_numpy(array.copy()).to(p.dtype)
        elif kind is not None or array.ndim == 0:
            entries[key] = _scalar(path, tname, array, kind or "generic")
            if torch.is_tensor(entries[key]):
                exact[(id(p), key)] = entries[key]
        else:
            _fail(path, f"{tname}: shape {list(array.shape)}, parameter {n!r} has {list(p.shape)}")
    return entries


def _load_optimizer(path, meta, tensors, state, model, optimizer):
    cls = type(optimizer).__name__
    if "optimizer" not in meta:
        _fail(path, f"no optimizer in the file ({cls} given)")
    if meta["optimizer"] != cls:
        _fail(path, f"optimizer is {meta['optimizer']}, loading into {cls}")
    groups = _from_json(_json_meta(path, meta, "optimizer.param_groups"))
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        _fail(path, "optimizer.param_groups: not a list of objects")
    if len(groups) != len(optimizer.param_groups):
        _fail(path, f"optimizer.param_groups: {len(groups)} groups, the optimiser has {len(optimizer.param_groups)}")
    python_numbers = set(_json_meta(path, meta, PYTHON_NUMBERS_KEY)) if PYTHON_NUMBERS_KEY in meta else set()
    name_of = {id(p): n for n, p in model.named_parameters()}
    scalars = TORCH_SCALARS.get(cls, {})
    new_groups, new_state, exact, index = [], {}, {}, 0
    for g, (group, live) in enumerate(zip(groups, optimizer.param_groups)):
        live_names = [name_of.get(id(p)) for p in live["params"]]
        if group.get("params") != live_names:
            _fail(path, f"optimizer.param_groups[{g}].params is {group.get('params')}, the optimiser's "
                        f"group holds {live_names}")
        options = {k: v for k, v in live.items() if k != "params"}
        for k, v in group.items():
            if k == "params" or k in IMPLEMENTATION_OPTIONS:
                continue
            options[k] = tuple(v) if k in TUPLE_OPTIONS and isinstance(v, list) else _like(live.get(k), v)
        options["params"] = list(range(index, index + len(live_names)))
        new_groups.append(options)
        for p, n in zip(live["params"], live_names):
            if cls != "LBFGS":
                entries = _state_entries(path, n, state[n], p, scalars, python_numbers, exact)
            elif index > 0 and state[n]:
                _fail(path, f"LBFGS state under {n!r}: torch keeps it under the first parameter only")
            else:
                entries = _lbfgs_state_from_file(path, n, state[n], p, python_numbers)
            if entries:
                new_state[index] = entries
            index += 1
    optimizer.load_state_dict({"state": new_state, "param_groups": new_groups})
    # load_state_dict casts floating-point state other than 'step' to the parameter's dtype; a
    # 0-d scalar keeps the dtype torch made it in (NAdam's mu_product is float32 in a float64 model).
    for group in optimizer.param_groups:
        for p in group["params"]:
            for key in list(optimizer.state.get(p, {})):  # get: no empty entry made (LBFGS)
                if (id(p), key) in exact:
                    optimizer.state[p][key] = exact[(id(p), key)].to(p.device)


# --- command line -------------------------------------------------------------------------

def _info(path):
    tensors, meta = safetensors_io.read(path)
    names, state = check_layout(path, tensors, meta)
    print(f"{path}: {FORMAT} version {meta['format.version']}, crc32 {meta[safetensors_io.CRC_KEY]}")
    for n in names:
        a = tensors[n]
        print(f"  {n}: {safetensors_io._dtype_name(n, a)} {list(a.shape)}")
    if "optimizer" in meta:
        print(f"optimizer {meta['optimizer']}")
        for g in json.loads(meta["optimizer.param_groups"]):
            print("  group " + ", ".join(f"{k}={v}" for k, v in g.items()))
        for n in names:
            for key, a in state[n].items():
                shown = a.item() if a.ndim == 0 else list(a.shape)
                print(f"  state {n}.{key}: {safetensors_io._dtype_name(key, a)} {shown}")
    if "scheduler" in meta:
        print(f"scheduler {meta['scheduler']}")
    for k, v in meta.items():
        if k not in RESERVED_KEYS:
            print(f"metadata {k} = {v}")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("info", "verify"):
        print(__doc__.split("Command line:")[1].rstrip(), file=sys.stderr)
        return 2
    try:
        if argv[1] == "info":
            _info(argv[2])
        else:
            tensors, meta = safetensors_io.read(argv[2], verify=True)
            check_layout(argv[2], tensors, meta)
            print(f"{argv[2]}: OK (crc32 {meta[safetensors_io.CRC_KEY]})")
    except (OSError, ValueError) as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
