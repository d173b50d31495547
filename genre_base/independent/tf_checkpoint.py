"""Read float tensors from a TensorFlow (v1 or v2) checkpoint without TensorFlow.

A checkpoint is ``<prefix>.index`` (a LevelDB-format table, uncompressed, mapping each variable
name to a ``BundleEntryProto``: dtype, shape, shard, offset and size) and ``<prefix>.data-00000-of-
00001`` (the raw little-endian tensor bytes). This reader parses just what the musicnn checkpoints
use: float32 tensors in one shard. Used only by ``scripts/dev/convert_musicnn.py``.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_SIZE = 48
_BLOCK_TRAILER = 5  # compression type (1 byte) + crc32c (4 bytes) after every block
_DT_FLOAT = 1


class CheckpointFormatError(ValueError):
    """The file is not a TensorFlow checkpoint this reader understands."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _block(data: bytes, handle: tuple[int, int]) -> bytes:
    offset, size = handle
    if data[offset + size] != 0:
        raise CheckpointFormatError(
            f"compressed table block at {offset} (type {data[offset + size]}); "
            "expected an uncompressed checkpoint index"
        )
    return data[offset : offset + size]


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    """Decode a table block: prefix-compressed key/value entries followed by a restart array."""
    n_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * n_restarts
    entries, key, pos = [], b"", 0
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        value_length, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        entries.append((key, block[pos : pos + value_length]))
        pos += value_length
    return entries


def _handle(buf: bytes, pos: int = 0) -> tuple[tuple[int, int], int]:
    offset, pos = _varint(buf, pos)
    size, pos = _varint(buf, pos)
    return (offset, size), pos


def _fields(message: bytes) -> list[tuple[int, int | bytes]]:
    """Decode a protobuf message into (field number, value) pairs (varint, fixed and bytes wire types)."""
    out, pos = [], 0
    while pos < len(message):
        tag, pos = _varint(message, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(message, pos)
        elif wire == 2:
            length, pos = _varint(message, pos)
            value, pos = message[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = struct.unpack_from("<I", message, pos)[0], pos + 4
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", message, pos)[0], pos + 8
        else:
            raise CheckpointFormatError(f"unsupported protobuf wire type {wire}")
        out.append((number, value))
    return out


def _entry(value: bytes) -> dict:
    """A BundleEntryProto: dtype (1), shape (2), shard_id (3), offset (4), size (5)."""
    entry = {"dtype": 0, "shape": [], "shard_id": 0, "offset": 0, "size": 0}
    for number, field in _fields(value):
        if number == 1:
            entry["dtype"] = field
        elif number == 2:
            entry["shape"] = [dict(_fields(dim)).get(1, 0) for n, dim in _fields(field) if n == 2]
        elif number in (3, 4, 5):
            entry[{3: "shard_id", 4: "offset", 5: "size"}[number]] = field
    return entry


def read_index(index_path: str | Path) -> dict[str, dict]:
    """Variable name -> {dtype, shape, shard_id, offset, size} from a checkpoint's ``.index`` file."""
    data = Path(index_path).read_bytes()
    if len(data) < _FOOTER_SIZE or struct.unpack_from("<Q", data, len(data) - 8)[0] != _TABLE_MAGIC:
        raise CheckpointFormatError(f"{index_path} is not a TensorFlow checkpoint index (bad table magic)")
    footer = data[-_FOOTER_SIZE:]
    _, pos = _handle(footer)  # the metaindex handle comes first; this reader needs only the index
    index_handle, _ = _handle(footer, pos)
    entries = {}
    for _, value in _block_entries(_block(data, index_handle)):
        data_handle, _ = _handle(value)
        for key, entry in _block_entries(_block(data, data_handle)):
            if key:  # the empty key holds the bundle header
                entries[key.decode()] = _entry(entry)
    return entries


def read_checkpoint(prefix: str | Path, skip=("Adam", "power")) -> dict[str, np.ndarray]:
    """All float32 tensors of the checkpoint ``prefix`` (``prefix + '.index'`` must exist).

    Names containing any of ``skip`` (optimiser slots by default) are left out.
    """
    prefix = str(prefix)
    index = read_index(prefix + ".index")
    shards = {e["shard_id"] for e in index.values()}
    if shards - {0}:
        raise CheckpointFormatError(
            f"{prefix}: tensors in shards {sorted(shards)}; only single-shard checkpoints are supported"
        )
    blob = Path(prefix + ".data-00000-of-00001").read_bytes()
    tensors = {}
    for name, entry in sorted(index.items()):
        if any(s in name for s in skip):
            continue
        if entry["dtype"] != _DT_FLOAT:
            raise CheckpointFormatError(
                f"{prefix}: variable {name} has dtype code {entry['dtype']}; expected float32 (code 1)"
            )
        raw = blob[entry["offset"] : entry["offset"] + entry["size"]]
        tensors[name] = np.frombuffer(raw, dtype="<f4").reshape(entry["shape"]).copy()
    return tensors
