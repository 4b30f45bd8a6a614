"""Rounds every tensor of an F32 safetensors file to BF16 (round to nearest even), in place (through a temporary
file): the bundled demo weights ship in bf16 (8.4 MB, as checkpoints ship) while Loris pretrains them in f32.
Python's standard library and numpy only; the writing is init_model.py's.

    python3 demo/scripts/to_bf16.py demo/model/model.safetensors
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from init_model import write_safetensors  # noqa: E402  (beside this script)


def read_f32(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            sys.exit(f"{path}: tensor {name} is {info['dtype']}; this script rounds F32 checkpoints")
        start, end = info["data_offsets"]
        values = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"])
        if np.isnan(values).any():
            sys.exit(f"{path}: tensor {name} has NaN values; the pretraining diverged")
        tensors[name] = values
    return tensors


def main(path):
    tensors = read_f32(path)
    write_safetensors(path, tensors, "bf16")
    print(f"{path}: {len(tensors)} tensors, {os.path.getsize(path):,} bytes in bf16")


if __name__ == "__main__":
    main(sys.argv[1])
