#!/usr/bin/python3
"""torch -> checkpoint -> torch: K steps, save, load into fresh objects, K more steps equals 2K
steps uninterrupted, bit for bit, for every supported torch.optim optimiser and the common
schedulers; and the safetensors reader/writer against the format's reference bytes and broken
files. Run: /usr/bin/python3 tests/interop/roundtrip_test.py (CTest: interop:python_roundtrip)."""

import collections
import contextlib
import io
import json
import os
import struct
import sys
import tempfile
import unittest
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "interop"))
import safetensors_io  # noqa: E402
import typegrad_torch  # noqa: E402
import exchange  # noqa: E402  (beside this file: its step of mse, LBFGS's included)

torch.set_num_threads(1)
K = 12

OPTIMIZERS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, maximize=False)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, betas=(0.8, 0.99))),
    ("AdamW", dict(lr=0.05, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.5)),
    ("Adadelta", dict(lr=1.0, eps=1e-4)),
    ("Adamax", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=5)),
    ("Rprop", dict(lr=0.01, etas=(0.4, 1.3))),
]
SCHEDULERS = [
    ("SGD", dict(lr=0.05, momentum=0.9), "StepLR", dict(step_size=5, gamma=0.5)),
    ("Adam", dict(lr=0.05), "ExponentialLR", dict(gamma=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.5), "CosineAnnealingLR", dict(T_max=2 * K, eta_min=0.001)),
    ("SGD", dict(lr=0.05, momentum=0.9), "OneCycleLR", dict(max_lr=0.1, total_steps=2 * K)),
    ("Adam", dict(lr=0.05), "OneCycleLR", dict(max_lr=0.1, total_steps=2 * K)),
    ("SGD", dict(lr=0.05), "MultiStepLR", dict(milestones=[3, 15], gamma=0.3)),
    ("SGD", dict(lr=0.1), "ReduceLROnPlateau", dict(factor=0.5, patience=1)),
]


def data():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(40, 5, generator=g)
    y = torch.randn(40, 1, generator=g)
    return x, y


def make(opt_name, opt_kwargs, sched=None, seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).to(dtype)
    opt = getattr(torch.optim, opt_name)(model.parameters(), **opt_kwargs)
    s = getattr(torch.optim.lr_scheduler, sched[0])(opt, **sched[1]) if sched else None
    return model, opt, s


def train(model, opt, sched, steps):
    x, y = data()
    x, y = x.to(next(model.parameters()).dtype), y.to(next(model.parameters()).dtype)
    losses = []
    for _ in range(steps):
        loss = exchange.mse_step(model, opt, x, y)
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(loss.item())
        elif sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses


def bits(t):
    return (t.dtype, tuple(t.shape), t.detach().cpu().numpy().tobytes())


def same(a, b):
    """Equal in value, type and (for tensors) dtype and bits, recursively."""
    if torch.is_tensor(a) or torch.is_tensor(b):
        return torch.is_tensor(a) and torch.is_tensor(b) and bits(a) == bits(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    if callable(a):
        return getattr(a, "__name__", None) == getattr(b, "__name__", None)
    return a == b


class Tmp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "ckpt.safetensors")

    def tearDown(self):
        self.dir.cleanup()


class Resume(Tmp):
    def check_resume(self, opt_name, kw, sched=None, fresh_kw=None, dtype=torch.float32):
        ref_model, ref_opt, ref_sched = make(opt_name, kw, sched, dtype=dtype)
        ref_losses = train(ref_model, ref_opt, ref_sched, 2 * K)

        model, opt, s = make(opt_name, kw, sched, dtype=dtype)
        first = train(model, opt, s, K)
        typegrad_torch.save(self.path, model, opt, s, metadata={"user.run": "resume"})
        del model, opt, s
        # Fresh objects with another init and (unless a scheduler needs them) other options:
        # everything that matters must come from the file.
        model, opt, s = make(opt_name, fresh_kw if fresh_kw is not None else {"lr": 0.123}, sched,
                             seed=99, dtype=dtype)
        meta = typegrad_torch.load(self.path, model, opt, s)
        self.assertEqual(meta["user.run"], "resume")
        second = train(model, opt, s, K)

        self.assertEqual(first + second, ref_losses)
        for (n, p), (_, q) in zip(model.named_parameters(), ref_model.named_parameters()):
            self.assertEqual(bits(p), bits(q), n)
        got, want = opt.state_dict(), ref_opt.state_dict()
        self.assertTrue(same(got["state"], want["state"]), f"{got['state']}\n!=\n{want['state']}")
        self.assertTrue(same(got["param_groups"], want["param_groups"]),
                        f"{got['param_groups']}\n!=\n{want['param_groups']}")
        if s is not None:
            self.assertTrue(same(s.state_dict(), ref_sched.state_dict()),
                            f"{s.state_dict()}\n!=\n{ref_sched.state_dict()}")

    def test_optimizers(self):
        for name, kw in OPTIMIZERS:
            with self.subTest(optimizer=name, **{k: str(v) for k, v in kw.items()}):
                self.check_resume(name, kw)

    def test_schedulers(self):
        for name, kw, sched, skw in SCHEDULERS:
            with self.subTest(optimizer=name, scheduler=sched):
                self.check_resume(name, kw, (sched, skw), fresh_kw=kw)

    def test_float64_model(self):
        for name, kw in [("NAdam", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=5)), ("RMSprop", dict(lr=0.01))]:
            with self.subTest(optimizer=name):
                self.check_resume(name, kw, dtype=torch.float64)


    def test_lbfgs(self):
        # Both line searches; the history partly filled (history_size 50) and full, pairs dropped
        # (history_size 3, several iterations a step); float32 and float64.
        for kw in (dict(lr=0.1, max_iter=3, history_size=50), dict(lr=0.1, max_iter=6, history_size=3),
                   dict(lr=1, max_iter=3, history_size=50, line_search_fn="strong_wolfe"),
                   dict(lr=1, max_iter=6, history_size=3, line_search_fn="strong_wolfe")):
            for dtype in (torch.float32, torch.float64):
                with self.subTest(kw=kw, dtype=dtype):
                    self.check_resume("LBFGS", kw, dtype=dtype)
        model, opt, _ = make("LBFGS", dict(lr=0.1, max_iter=6, history_size=3))
        train(model, opt, None, K)
        state = opt.state[next(model.parameters())]
        self.assertEqual(len(state["old_dirs"]), 3)
        self.assertGreater(state["n_iter"], 6)
        typegrad_torch.save(self.path, model, opt)
        tensors, meta = safetensors_io.read(self.path)
        n = sum(p.numel() for p in model.parameters())
        self.assertEqual(tensors["optimizer.state.0.weight.old_dirs"].shape, (3, n))
        self.assertEqual(tensors["optimizer.state.0.weight.ro"].shape, (3,))
        self.assertEqual(tensors["optimizer.state.0.weight.d"].shape, (n,))
        self.assertNotIn("optimizer.state.0.weight.al", tensors)
        self.assertEqual(meta["optimizer"], "LBFGS")
        self.assertEqual(json.loads(meta["optimizer.param_groups"])[0]["history_size"], 3)


class Layout(Tmp):
    def test_adam_names_and_types(self):
        model, opt, _ = make("Adam", dict(lr=0.05, amsgrad=True))
        typegrad_torch.save(self.path, model, opt)  # step 0: empty state
        tensors, meta = safetensors_io.read(self.path)
        self.assertEqual(list(tensors), ["0.weight", "0.bias", "2.weight", "2.bias"])
        train(model, opt, None, 2)
        typegrad_torch.save(self.path, model, opt)
        tensors, meta = safetensors_io.read(self.path)
        self.assertEqual(meta["format"], "typegrad.checkpoint")
        self.assertEqual(meta["format.version"], "1")
        self.assertEqual(json.loads(meta["parameters"]), ["0.weight", "0.bias", "2.weight", "2.bias"])
        self.assertEqual(meta["optimizer"], "Adam")
        (group,) = json.loads(meta["optimizer.param_groups"])
        self.assertEqual(group["betas"], [0.9, 0.999])
        self.assertEqual(group["params"], ["0.weight", "0.bias", "2.weight", "2.bias"])
        self.assertIs(group["amsgrad"], True)
        self.assertIsNone(group["foreach"])
        step = tensors["optimizer.state.0.weight.step"]
        self.assertEqual((step.dtype, step.shape, float(step)), (np.float32, (), 2.0))
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            self.assertEqual(tensors[f"optimizer.state.2.bias.{key}"].shape, (1,))
        self.assertNotIn("optimizer.python_numbers", meta)

    def test_python_ints(self):
        model, opt, _ = make("RMSprop", dict(lr=0.01))
        train(model, opt, None, 3)
        typegrad_torch.save(self.path, model, opt)
        tensors, meta = safetensors_io.read(self.path)
        step = tensors["optimizer.state.0.bias.step"]
        self.assertEqual((step.dtype, step.shape, int(step)), (np.int64, (), 3))
        self.assertIn("optimizer.state.0.bias.step", json.loads(meta["optimizer.python_numbers"]))

    def test_sgd_without_momentum_stores_no_buffer(self):
        model, opt, _ = make("SGD", dict(lr=0.05))
        train(model, opt, None, 2)
        self.assertIn("momentum_buffer", opt.state_dict()["state"][0])  # None in torch 1.13
        typegrad_torch.save(self.path, model, opt)
        tensors, _ = safetensors_io.read(self.path)
        self.assertEqual(sorted(tensors), ["0.bias", "0.weight", "2.bias", "2.weight"])

    def rewrite(self, change):
        tensors, meta = safetensors_io.read(self.path)
        change(tensors, meta)
        meta.pop(safetensors_io.CRC_KEY)
        safetensors_io.write(self.path, tensors, meta, crc32=True)

    def test_file_from_elsewhere(self):
        # As the C++ side may write it: Adam's step as I64, RMSprop's without python_numbers,
        # F64 buffers for a float32 model, keys of its own in __metadata__.
        for name, key in (("Adam", "step"), ("RMSprop", "step"), ("Adam", "exp_avg"), ("NAdam", "mu_product"),
                          ("ASGD", "eta")):
            with self.subTest(optimizer=name, key=key):
                ref, ref_opt, _ = make(name, dict(lr=0.01))
                train(ref, ref_opt, None, 3)
                typegrad_torch.save(self.path, ref, ref_opt)

                def change(tensors, meta):
                    for t in list(tensors):
                        if t.endswith("." + key):
                            tensors[t] = tensors[t].astype(np.int64 if key == "step" else np.float64)
                    meta.pop("optimizer.python_numbers", None)
                    meta["training"] = json.dumps({"epoch": 3})
                    meta["user.anything"] = "kept"
                self.rewrite(change)
                model, opt, _ = make(name, dict(lr=0.5), seed=5)
                meta = typegrad_torch.load(self.path, model, opt)
                self.assertEqual(meta["user.anything"], "kept")
                self.assertTrue(same(opt.state_dict(), ref_opt.state_dict()))

    def test_mismatches_are_named(self):
        model, opt, _ = make("Adam", dict(lr=0.05))
        train(model, opt, None, 1)
        typegrad_torch.save(self.path, model, opt)
        cases = [
            (lambda: make("AdamW", {})[:2], "optimizer is Adam, loading into AdamW"),
            (lambda: (torch.nn.Sequential(torch.nn.Linear(5, 9), torch.nn.Tanh(), torch.nn.Linear(9, 1)), None),
             "parameter '0.weight': shape [8, 5], the model's is [9, 5]"),
            (lambda: (torch.nn.Sequential(torch.nn.Linear(5, 1)), None), "parameters do not match the model"),
        ]
        for build, text in cases:
            with self.subTest(text=text):
                m, o = build()
                with self.assertRaises(typegrad_torch.CheckpointError) as e:
                    typegrad_torch.load(self.path, m, o)
                self.assertIn(text, str(e.exception))
        m, o, s = make("Adam", {}, ("StepLR", dict(step_size=2)))
        with self.assertRaisesRegex(typegrad_torch.CheckpointError, "no scheduler in the file"):
            typegrad_torch.load(self.path, m, o, s)

    def test_cli(self):
        model, opt, _ = make("NAdam", dict(lr=0.05))
        train(model, opt, None, 2)
        typegrad_torch.save(self.path, model, opt)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            self.assertEqual(typegrad_torch.main(["x", "info", self.path]), 0)
            self.assertEqual(typegrad_torch.main(["x", "verify", self.path]), 0)
            with open(self.path, "r+b") as f:
                f.seek(-1, 2)
                f.write(b"\x7f")
            self.assertEqual(typegrad_torch.main(["x", "verify", self.path]), 1)
        self.assertIn("state 0.weight.mu_product: F32", out.getvalue())
        self.assertIn("checksum mismatch", err.getvalue())


def raw_file(header, data=b"", pad=True):
    raw = json.dumps(header, separators=(",", ":")).encode() if not isinstance(header, bytes) else header
    if pad:
        raw += b" " * (-(8 + len(raw)) % 8)
    return struct.pack("<Q", len(raw)) + raw + data


class Safetensors(Tmp):
    def test_reference_bytes(self):
        # The bytes the reference implementation's serializer tests expect (safetensors,
        # safetensors/src/tensor.rs: test_serialization and test_serialization_forced_alignement).
        values = np.arange(6, dtype=np.float32)
        data = values.tobytes()
        for name, shape, size in (("attn.0", [1, 2, 3], 64), ("attn0", [1, 1, 2, 3], 72)):
            header = '{"%s":{"dtype":"F32","shape":[%s],"data_offsets":[0,24]}}' % (name, ",".join(map(str, shape)))
            want = struct.pack("<Q", size) + header.encode().ljust(size, b" ") + data
            safetensors_io.write(self.path, {name: values.reshape(shape)})
            with open(self.path, "rb") as f:
                self.assertEqual(f.read(), want)
            tensors, meta = safetensors_io.read(self.path)
            self.assertEqual(meta, {})
            np.testing.assert_array_equal(tensors[name], values.reshape(shape))

    def test_every_dtype_and_shape(self):
        tensors = collections.OrderedDict()
        for name, dt in safetensors_io.DTYPES.items():
            tensors["t" + name] = (np.arange(6) % 2).astype(dt).reshape(2, 3)
        tensors["scalar"] = np.array(2.5)
        tensors["empty"] = np.zeros((0, 4), np.float32)
        tensors["big_endian"] = np.arange(3, dtype=">f8")
        safetensors_io.write(self.path, tensors, {"k": "v"}, crc32=True)
        got, meta = safetensors_io.read(self.path)
        self.assertEqual(list(got), list(tensors))
        for k in tensors:
            self.assertEqual(got[k].shape, tensors[k].shape, k)
            np.testing.assert_array_equal(got[k], tensors[k])
        self.assertEqual(meta["k"], "v")
        with open(self.path, "rb") as f:
            blob = f.read()
        (n,) = struct.unpack("<Q", blob[:8])
        self.assertEqual((8 + n) % 8, 0)

    def test_checksum_rule(self):
        safetensors_io.write(self.path, {"w": np.ones(3, np.float32)}, {"format": "typegrad.checkpoint"}, crc32=True)
        with open(self.path, "rb") as f:
            blob = f.read()
        marker = b'"typegrad.crc32":"'
        self.assertEqual(blob.count(marker), 1)
        at = blob.index(marker) + len(marker)
        value = blob[at:at + 8].decode()
        self.assertEqual(value, f"{zlib.crc32(blob[:at] + b'00000000' + blob[at + 8:]):08x}")
        # Every single-byte change is caught (CRC-32 detects all burst errors up to 32 bits).
        for i in range(len(blob)):
            damaged = bytearray(blob)
            damaged[i] ^= 0x01
            with open(self.path, "wb") as f:
                f.write(damaged)
            with self.assertRaises(safetensors_io.FormatError, msg=f"byte {i}"):
                safetensors_io.read(self.path)

    def test_checksum_required_in_a_checkpoint(self):
        with open(self.path, "wb") as f:
            f.write(raw_file({"__metadata__": {"format": "typegrad.checkpoint"}}))
        with self.assertRaisesRegex(safetensors_io.FormatError, "no typegrad.crc32"):
            safetensors_io.read(self.path)
        self.assertEqual(safetensors_io.read(self.path, verify=False), ({}, {"format": "typegrad.checkpoint"}))
        with open(self.path, "wb") as f:  # a plain safetensors file loads without one
            f.write(raw_file({"__metadata__": {"format": "pt"}}))
        self.assertEqual(safetensors_io.read(self.path), ({}, {"format": "pt"}))

    def test_broken_files(self):
        ok = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
        cases = [
            (b"", "truncated: 0 bytes, shorter than the 8-byte header size"),
            (b"\x10\x00\x00", "truncated: 3 bytes"),
            (struct.pack("<Q", 1 << 40), "above the format's limit"),
            (struct.pack("<Q", 64) + b"{}", "truncated: the header claims 64 bytes, the file has 2"),
            (raw_file(b"\xff\xfe{}"), "header: not UTF-8"),
            (raw_file(b"{\"a\":"), "header: invalid JSON"),
            (raw_file(b"[1,2]"), "header: not a JSON object"),
            (raw_file(b'{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{}}', b"\0" * 4), "duplicate key 'a'"),
            (raw_file({"__metadata__": {"n": 1}}), "__metadata__['n'] is not a string"),
            (raw_file({"a": {"dtype": "F32", "shape": [2]}}), "tensor 'a': no data_offsets"),
            (raw_file({"a": dict(ok, extra=1)}, b"\0" * 8), "tensor 'a': unknown field(s) ['extra']"),
            (raw_file({"a": dict(ok, dtype="F31")}, b"\0" * 8), "unknown dtype 'F31'"),
            (raw_file({"a": dict(ok, dtype="BF16", data_offsets=[0, 4])}, b"\0" * 4), "BF16 has no numpy type"),
            (raw_file({"a": dict(ok, shape=[-2])}, b"\0" * 8), "not a list of non-negative integers"),
            (raw_file({"a": dict(ok, shape=[3])}, b"\0" * 8), "hold 8 bytes, but F32 [3] needs 12"),
            (raw_file({"a": dict(ok, data_offsets=[8, 0])}), "end before begin"),
            (raw_file({"a": ok}, b"\0" * 4), "truncated: the tensors need 8 bytes of data, the file has 4"),
            (raw_file({"a": ok}, b"\0" * 12), "4 bytes after the last tensor"),
            (raw_file({"a": ok, "b": dict(ok, data_offsets=[4, 12])}, b"\0" * 12), "tensor 'b': data_offsets [4, 12] overlap"),
            (raw_file({"a": ok, "b": dict(ok, data_offsets=[12, 20])}, b"\0" * 20), "tensor 'b': data_offsets [12, 20] leave a hole of 4 bytes"),
            (raw_file(b'{"a":{"dtype":"F32","shape":[],"data_offsets":[0,NaN]}}'), "NaN is not JSON"),
            (raw_file({"__metadata__": {"typegrad.crc32": "XYZ"}}), "'XYZ' is not 8 lowercase hex digits"),
        ]
        for blob, text in cases:
            with self.subTest(text=text):
                with open(self.path, "wb") as f:
                    f.write(blob)
                with self.assertRaises(safetensors_io.FormatError) as e:
                    safetensors_io.read(self.path)
                self.assertIn(text, str(e.exception))
                self.assertTrue(str(e.exception).startswith(f"typegrad: {self.path}: "), str(e.exception))

    def test_out_of_order_offsets_are_valid(self):
        with open(self.path, "wb") as f:
            f.write(raw_file({"b": {"dtype": "I32", "shape": [1], "data_offsets": [4, 8]},
                              "a": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}},
                             struct.pack("<ii", 1, 2)))
        tensors, _ = safetensors_io.read(self.path)
        self.assertEqual((int(tensors["a"][0]), int(tensors["b"][0])), (1, 2))

    def test_atomic_write(self):
        safetensors_io.write(self.path, {"a": np.zeros(2, np.float32)})
        with self.assertRaises(TypeError):
            safetensors_io.write(self.path, {"a": np.ones(2, np.float32), "b": np.array(["x"])})
        self.assertEqual(os.listdir(self.dir.name), ["ckpt.safetensors"])  # no temporary left
        tensors, _ = safetensors_io.read(self.path)  # the old file is whole
        np.testing.assert_array_equal(tensors["a"], np.zeros(2, np.float32))


if __name__ == "__main__":
    unittest.main(verbosity=1)
