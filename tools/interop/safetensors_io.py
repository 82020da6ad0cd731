"""Reader and writer of the safetensors format, with numpy arrays, and typegrad's CRC-32 rule.

The format (https://github.com/huggingface/safetensors, README "Format"):

- 8 bytes: N, the size of the header, an unsigned 64-bit little-endian integer;
- N bytes: a UTF-8 JSON object. Each key but ``__metadata__`` names a tensor and maps to
  ``{"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]}``, the offsets counted from
  the first byte after the header, END one past the last byte; ``__metadata__`` (optional) is a
  string -> string map. The header may end with spaces (writers pad it to a multiple of 8 so that
  the data is aligned);
- the rest of the file: the tensors' bytes, little-endian, row-major, packed one after another
  with neither holes nor overlaps, and nothing after the last one.

``read`` checks all of that and raises ``FormatError`` naming the file and what is wrong.
``write`` writes atomically: a temporary file in the same folder, flushed and fsync'ed, renamed
over the destination, then the folder fsync'ed.

typegrad's checksum: a file whose ``__metadata__`` holds ``typegrad.crc32`` carries the CRC-32
(zlib's, = boost::crc_32_type) of the whole file as written with that value set to
``00000000``, in 8 lowercase hex digits. ``write(..., crc32=True)`` adds it; ``read`` verifies it
when present and requires it when ``__metadata__["format"]`` is ``typegrad.checkpoint``.
"""

import json
import math
import os
import struct
import tempfile
import zlib

import numpy as np

__all__ = ["FormatError", "read", "write", "read_header", "DTYPES", "CRC_KEY", "CHECKPOINT_FORMAT"]

CRC_KEY = "typegrad.crc32"
CRC_PLACEHOLDER = "00000000"
CHECKPOINT_FORMAT = "typegrad.checkpoint"
# The reference implementation refuses headers above this size (a guard against huge JSON).
MAX_HEADER_SIZE = 100_000_000
# The JSON schema's size_t: offsets and extents are at most 48 bits.
MAX_SIZE = (1 << 48) - 1

# safetensors dtype -> numpy dtype (little-endian). The formats numpy has no type for (BF16,
# the F8/F6/F4 families, C64) are refused by name rather than guessed.
DTYPES = {
    "BOOL": np.dtype("?"),
    "U8": np.dtype("u1"),
    "I8": np.dtype("i1"),
    "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"),
    "F16": np.dtype("<f2"),
    "I32": np.dtype("<i4"),
    "U32": np.dtype("<u4"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "U64": np.dtype("<u8"),
}
KNOWN_UNSUPPORTED = {"BF16", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
                     "F6_E2M3", "F6_E3M2", "F4", "C64"}
_NAMES = {(d.kind, d.itemsize): name for name, d in DTYPES.items()}


class FormatError(ValueError):
    """A file that is not valid safetensors, or whose checksum does not match."""


def _fail(path, message):
    raise FormatError(f"typegrad: {path}: {message}")


def _is_size(x):
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_SIZE


def _no_duplicates(path):
    def hook(pairs):
        obj = {}
        for key, value in pairs:
            if key in obj:
                _fail(path, f"header: duplicate key {key!r}")
            obj[key] = value
        return obj
    return hook


def _parse_header(path, raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        _fail(path, f"header: not UTF-8 (byte {e.start} of the header)")
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates(path),
                            parse_constant=lambda c: _fail(path, f"header: {c} is not JSON"))
    except json.JSONDecodeError as e:
        _fail(path, f"header: invalid JSON at byte {e.pos} of the header: {e.msg}")
    if not isinstance(header, dict):
        _fail(path, "header: not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict):
            _fail(path, "header: __metadata__ is not an object")
        for k, v in metadata.items():
            if not isinstance(v, str):
                _fail(path, f"header: __metadata__[{k!r}] is not a string")
    entries = []
    for name, info in header.items():
        where = f"tensor {name!r}"
        if not isinstance(info, dict):
            _fail(path, f"{where}: not an object")
        extra = set(info) - {"dtype", "shape", "data_offsets"}
        if extra:
            _fail(path, f"{where}: unknown field(s) {sorted(extra)}")
        for field in ("dtype", "shape", "data_offsets"):
            if field not in info:
                _fail(path, f"{where}: no {field}")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype in KNOWN_UNSUPPORTED:
            _fail(path, f"{where}: dtype {dtype} has no numpy type (not supported here)")
        if dtype not in DTYPES:
            _fail(path, f"{where}: unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(_is_size(d) for d in shape):
            _fail(path, f"{where}: shape {shape!r} is not a list of non-negative integers")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_size(o) for o in offsets)):
            _fail(path, f"{where}: data_offsets {offsets!r} is not [begin, end]")
        begin, end = offsets
        if end < begin:
            _fail(path, f"{where}: data_offsets [{begin}, {end}] end before begin")
        count = math.prod(shape)
        size = count * DTYPES[dtype].itemsize
        if end - begin != size:
            _fail(path, f"{where}: data_offsets [{begin}, {end}] hold {end - begin} bytes, but "
                        f"{dtype} {shape} needs {size}")
        entries.append((name, dtype, tuple(shape), begin, end))
    return entries, metadata


def _check_layout(path, entries, data_size):
    position = 0
    # Sorting by (begin, end) keeps empty tensors before a non-empty one at the same offset.
    for name, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin < position:
            _fail(path, f"tensor {name!r}: data_offsets [{begin}, {end}] overlap the previous tensor "
                        f"(which ends at {position})")
        if begin > position:
            _fail(path, f"tensor {name!r}: data_offsets [{begin}, {end}] leave a hole of "
                        f"{begin - position} bytes after byte {position}")
        position = end
    if position > data_size:
        _fail(path, f"truncated: the tensors need {position} bytes of data, the file has {data_size}")
    if position < data_size:
        _fail(path, f"{data_size - position} bytes after the last tensor (the header covers {position} "
                    f"of {data_size} bytes of data)")


def _crc_position(path, raw_header):
    """Byte offset, in the header, of the 8 hex digits of typegrad.crc32."""
    marker = f'"{CRC_KEY}":"'.encode()
    first = raw_header.find(marker)
    if first < 0 or raw_header.find(marker, first + 1) >= 0:
        _fail(path, f"{CRC_KEY}: the header must hold '\"{CRC_KEY}\":\"' exactly once "
                    "(a compact JSON header)")
    start = first + len(marker)
    if raw_header[start + 8:start + 9] != b'"':
        _fail(path, f"{CRC_KEY}: not 8 hex digits")
    return start


def _verify_crc(path, blob, metadata, header_size):
    value = metadata[CRC_KEY]
    if len(value) != 8 or any(c not in "0123456789abcdef" for c in value):
        _fail(path, f"{CRC_KEY}: {value!r} is not 8 lowercase hex digits")
    start = 8 + _crc_position(path, blob[8:8 + header_size])
    crc = zlib.crc32(blob[:start])
    crc = zlib.crc32(CRC_PLACEHOLDER.encode(), crc)
    crc = zlib.crc32(blob[start + 8:], crc)
    if f"{crc:08x}" != value:
        _fail(path, f"checksum mismatch: {CRC_KEY} says {value}, the file's CRC-32 is {crc:08x} "
                    "(the file was changed or damaged after it was written)")


def read_header(path):
    """The header of ``path`` without the data: (list of (name, dtype, shape, begin, end), metadata).

    Checks what can be checked from the header and the file's size; no checksum."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        prefix = f.read(8)
        header_size = _header_size(path, prefix, size)
        raw = f.read(header_size)
    entries, metadata = _parse_header(path, raw)
    _check_layout(path, entries, size - 8 - header_size)
    return entries, (metadata or {})


def _header_size(path, prefix, file_size):
    if len(prefix) < 8:
        _fail(path, f"truncated: {file_size} bytes, shorter than the 8-byte header size")
    (n,) = struct.unpack("<Q", prefix)
    if n > MAX_HEADER_SIZE:
        _fail(path, f"header size {n} is above the format's limit of {MAX_HEADER_SIZE} bytes "
                    "(not a safetensors file?)")
    if 8 + n > file_size:
        _fail(path, f"truncated: the header claims {n} bytes, the file has {file_size - 8} after the size")
    return n


def read(path, verify=None):
    """Reads a safetensors file: (dict name -> numpy array in header order, metadata dict).

    ``verify``: None (default) checks ``typegrad.crc32`` when the file has it and requires it in a
    ``typegrad.checkpoint``; True requires it; False skips it. Arrays are native-endian copies."""
    with open(path, "rb") as f:
        blob = f.read()
    header_size = _header_size(path, blob[:8], len(blob))
    entries, metadata = _parse_header(path, blob[8:8 + header_size])
    metadata = metadata or {}
    data_start = 8 + header_size
    _check_layout(path, entries, len(blob) - data_start)
    if verify is not False:
        if CRC_KEY in metadata:
            _verify_crc(path, blob, metadata, header_size)
        elif verify or metadata.get("format") == CHECKPOINT_FORMAT:
            _fail(path, f"no {CRC_KEY} in __metadata__ (required in a {CHECKPOINT_FORMAT} file)")
    tensors = {}
    for name, dtype, shape, begin, end in entries:
        raw = np.frombuffer(blob, dtype=DTYPES[dtype], count=math.prod(shape), offset=data_start + begin)
        if dtype == "BOOL" and raw.view(np.uint8).max(initial=0) > 1:
            _fail(path, f"tensor {name!r}: BOOL bytes other than 0 and 1")
        tensors[name] = raw.reshape(shape).astype(DTYPES[dtype].newbyteorder("="), copy=True)
    return tensors, metadata


def _dtype_name(name, array):
    d = array.dtype
    key = (d.kind, d.itemsize)
    if d.kind == "b":
        return "BOOL"
    if key not in _NAMES:
        raise TypeError(f"typegrad: tensor {name!r}: numpy dtype {d} has no safetensors dtype")
    return _NAMES[key]


def _encode_header(header):
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    return raw + b" " * (-(8 + len(raw)) % 8)


def write(path, tensors, metadata=None, crc32=False):
    """Writes ``tensors`` (name -> numpy array, in this order) and ``metadata`` (str -> str) to
    ``path``, atomically. ``crc32=True`` adds ``typegrad.crc32``. Returns nothing."""
    metadata = dict(metadata or {})
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"typegrad: metadata {k!r}: keys and values must be strings")
    if crc32:
        metadata[CRC_KEY] = CRC_PLACEHOLDER
    elif CRC_KEY in metadata:
        raise ValueError(f"typegrad: metadata {CRC_KEY} is written by write(..., crc32=True) only")
    header = {"__metadata__": metadata} if metadata else {}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"typegrad: {name!r} is not a valid tensor name")
        array = np.asarray(array)
        dtype = _dtype_name(name, array)
        data = np.ascontiguousarray(array, dtype=DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = _encode_header(header)
    prefix = struct.pack("<Q", len(raw))
    if crc32:
        start = _crc_position(path, raw)
        crc = zlib.crc32(prefix)
        crc = zlib.crc32(raw, crc)
        for data in blobs:
            crc = zlib.crc32(data, crc)
        raw = raw[:start] + f"{crc:08x}".encode() + raw[start + 8:]
    _atomic_write(path, [prefix, raw] + blobs)


def _atomic_write(path, chunks):
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
