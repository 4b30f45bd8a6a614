"""Rounds every F32 tensor of a safetensors file to BF16 (round to nearest even), in place, keeping names,
shapes, order and metadata: the bundled demo weights ship in bf16 (8.4 MB, as checkpoints ship) while Loris
pretrains them in f32. Python's standard library and numpy only.

    python3 demo/scripts/to_bf16.py demo/model/model.safetensors
"""
import json
import os
import struct
import sys

import numpy as np


def to_bf16(f32):
    bits = f32.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # round half to even on the dropped 16 bits
    return rounded.astype(np.uint16)


def main(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    metadata = header.pop("__metadata__", None)
    out_header, chunks, offset = {}, [], 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        start, end = info["data_offsets"]
        raw = data[start:end]
        dtype = info["dtype"]
        if dtype == "F32":
            if any(np.isnan(np.frombuffer(raw, dtype="<f4"))):
                sys.exit(f"{path}: tensor {name} has NaN values; the pretraining diverged")
            raw, dtype = to_bf16(np.frombuffer(raw, dtype="<f4")).astype("<u2").tobytes(), "BF16"
        out_header[name] = {"dtype": dtype, "shape": info["shape"], "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata is not None:
        out_header["__metadata__"] = metadata
    encoded = json.dumps(out_header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for chunk in chunks:
            f.write(chunk)
    os.replace(tmp, path)
    print(f"{path}: {len(out_header) - (metadata is not None)} tensors, {os.path.getsize(path):,} bytes in bf16")


if __name__ == "__main__":
    main(sys.argv[1])
