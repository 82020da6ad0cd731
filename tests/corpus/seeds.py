#!/usr/bin/env python3
"""Writes the seed corpus of the fuzzers (tests/corpus/safetensors/, tests/corpus/csv/) with
Python's struct, json and zlib only, so that the files also check that typegrad reads what
another implementation of docs/interop.md writes. Names: ok_* must be accepted, bad_* rejected
(tests/io/corpus_test.cpp checks both); other files (finds of the fuzzers) must only not crash.
A CSV seed's first byte chooses the reader's options (tests/fuzz/entries.hpp): '@' is the default.

Usage: tests/corpus/seeds.py   (rewrites the ok_/bad_ seeds, keeps every other file)
"""
import json
import pathlib
import struct
import zlib

here = pathlib.Path(__file__).resolve().parent


def file_bytes(header, data=b"", pad_to=8, checksum=True):
    """A safetensors file; with checksum, "typegrad.crc32" computed as docs/interop.md says."""
    header = dict(header)
    if checksum:
        meta = dict(header.pop("__metadata__", {}))
        meta["typegrad.crc32"] = "00000000"
        header = {"__metadata__": meta, **header}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % pad_to)
    raw = struct.pack("<Q", len(text)) + text + data
    if checksum:
        key = b'"typegrad.crc32":"00000000"'
        assert raw.count(key) == 1
        crc = zlib.crc32(raw)
        raw = raw.replace(key, b'"typegrad.crc32":"%08x"' % crc)
    return raw


def raw_file(text, data=b""):
    return struct.pack("<Q", len(text)) + text + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


f32 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
f64 = struct.pack("<2d", 0.1, -2.5)
i64 = struct.pack("<3q", -1, 0, 2**62)

safetensors = {
    "ok_f32_2x3": file_bytes({"w": entry("F32", [2, 3], 0, 24)}, f32),
    "ok_torch_style_no_checksum": file_bytes(
        {"__metadata__": {"format": "pt"}, "w": entry("F32", [2, 3], 0, 24)}, f32, checksum=False),
    "ok_all_dtypes": file_bytes(
        {"a": entry("F32", [6], 0, 24), "b": entry("F64", [2], 24, 40), "c": entry("I64", [3], 40, 64),
         "scalar": entry("F32", [], 64, 68), "empty": entry("F64", [0, 3], 68, 68)},
        f32 + f64 + i64 + struct.pack("<f", 7.5)),
    "ok_padded_header": file_bytes({"w": entry("F64", [2], 0, 16)}, f64, pad_to=64),
    "ok_no_tensors": raw_file(b"{}"),
    "ok_only_metadata": file_bytes({"__metadata__": {"epoch": "3", "note": "caf\u00e9"}}),
    "ok_unicode_name": file_bytes({"poids.\u00e9\u4e2d": entry("I64", [3], 0, 24)}, i64),
    "ok_offsets_out_of_key_order": file_bytes(
        {"z_first": entry("F32", [1], 0, 4), "a_second": entry("F32", [1], 4, 8)}, f32[:8]),
    "bad_short": b"\x05\x00\x00",
    "bad_csv": b"age,bmi,target\n59,32.1,151\n48,21.6,75\n",
    "bad_random": bytes((i * 73 + 41) % 256 for i in range(64)),
    "bad_header_length_huge": struct.pack("<Q", 2**63) + b"{}",
    "bad_header_truncated": struct.pack("<Q", 100) + b'{"w":',
    "bad_not_json": raw_file(b"{not json}"),
    "bad_array_root": raw_file(b"[1,2,3]"),
    "bad_missing_dtype": raw_file(b'{"w":{"shape":[1],"data_offsets":[0,4]}}', f32[:4]),
    "bad_unknown_dtype": raw_file(b'{"w":{"dtype":"X99","shape":[1],"data_offsets":[0,4]}}', f32[:4]),
    "bad_bf16": raw_file(b'{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}', f32[:4]),
    "bad_shape_mismatch": file_bytes({"w": entry("F32", [2, 2], 0, 24)}, f32),
    "bad_hole": file_bytes({"a": entry("F32", [1], 0, 4), "b": entry("F32", [1], 8, 12)}, f32[:12]),
    "bad_overlap": file_bytes({"a": entry("F32", [2], 0, 8), "b": entry("F32", [2], 4, 12)}, f32[:12]),
    "bad_trailing_bytes": file_bytes({"w": entry("F32", [2, 3], 0, 24)}, f32 + b"\0\0\0\0"),
    "bad_truncated_data": file_bytes({"w": entry("F32", [2, 3], 0, 24)}, f32)[:-5],
    "bad_duplicate_name": raw_file(
        b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        f32[:4]),
    "bad_checksum_mismatch": file_bytes({"w": entry("F32", [2, 3], 0, 24)}, f32)[:-1] + b"\x01",
    "bad_negative_extent": raw_file(b'{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', f32[:4]),
    "bad_float_offset": raw_file(b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}', f32[:4]),
    "bad_metadata_not_strings": raw_file(b'{"__metadata__":{"epoch":3}}'),
    "bad_nested": raw_file(b'{"w":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}', f32[:4]),
    "bad_shape_overflow": raw_file(
        b'{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}'),
}

csv = {
    "ok_basic": b"@a,b,target\n1,2,3\n4.5,-6e-3,7\n",
    "ok_crlf_bom": b"@\xef\xbb\xbfa,target\r\n1,2\r\n3,4\r\n\r\n",
    "ok_quotes": b'@"a, b",target\n"1", 2\n',
    "ok_no_target": b"Aa,b\n1,2\n",
    "ok_nonfinite": b"Ba,target\nnan,inf\n-infinity,1e400\n",
    "ok_semicolon": b"Da;target\n1;2\n",
    "ok_tab": b"Ha\ttarget\n1\t2\n",
    "ok_double": b"Pa,target\n1e300,2\n",
    "ok_target_middle": b"@a,target,c\n1,2,3\n",
    "bad_empty": b"@",
    "bad_missing_target": b"@a,b\n1,2\n",
    "bad_ragged": b"@a,target\n1,2,3\n",
    "bad_not_a_number": b"@a,target\n1,x\n",
    "bad_lone_cr": b"@a,target\r1,2\n",
    "bad_unclosed_quote": b'@a,"target\n1,2\n',
    "bad_duplicate_names": b"@a,a,target\n1,2,3\n",
    "bad_blank_between": b"@a,target\n1,2\n\n3,4\n",
    "bad_nan_not_allowed": b"@a,target\nnan,1\n",
    "bad_float_overflow": b"@a,target\n1e39,1\n",
    "bad_no_rows": b"@a,target\n",
    "bad_binary": bytes([0x40]) + bytes((i * 151 + 7) % 256 for i in range(48)),
}

for folder, seeds, ext in (("safetensors", safetensors, ".safetensors"), ("csv", csv, ".csv")):
    out = here / folder
    out.mkdir(exist_ok=True)
    for name, content in seeds.items():
        (out / (name + ext)).write_bytes(content)
