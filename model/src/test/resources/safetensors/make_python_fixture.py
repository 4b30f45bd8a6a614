"""Writes python_fixture.safetensors with Python's safetensors library, for PythonCompatibilityTest.

Run from this folder: python3 make_python_fixture.py (needs the safetensors and numpy packages; torch is not
needed). The committed output was made with safetensors 0.8.0 and numpy 2.4.6.

The tensors are defined by formulas that PythonCompatibilityTest repeats in Java: the test reads this file
and checks every byte, and writes the same tensors with SafetensorsWriter and checks that the two files are
byte-identical. Keep the TENSORS table and the formulas in step with the test.
"""
import numpy as np
import safetensors
from safetensors import TensorSpec, serialize_file

# name, safetensors dtype, Python TensorSpec dtype, bytes per element, shape, how the bytes are made
TENSORS = [
    ("mask", "BOOL", "bool", 1, [2, 3], "raw"),
    ("layers.0.u8", "U8", "uint8", 1, [2, 3], "raw"),
    ("layers.0.i8", "I8", "int8", 1, [2, 3], "raw"),
    ("layers.0.f8_e5m2", "F8_E5M2", "float8_e5m2", 1, [2, 3], "raw"),
    ("layers.0.f8_e4m3", "F8_E4M3", "float8_e4m3fn", 1, [2, 3], "raw"),
    ("layers.0.i16", "I16", "int16", 2, [2, 3], "raw"),
    ("layers.0.u16", "U16", "uint16", 2, [2, 3], "raw"),
    ("layers.0.f16", "F16", "float16", 2, [2, 3], "float"),
    ("layers.0.bf16", "BF16", "bfloat16", 2, [2, 3], "float"),
    ("layers.0.i32", "I32", "int32", 4, [2, 3], "raw"),
    ("layers.0.u32", "U32", "uint32", 4, [2, 3], "raw"),
    ("layers.0.f32", "F32", "float32", 4, [2, 3], "float"),
    ("layers.0.f64", "F64", "float64", 8, [2, 3], "float"),
    ("layers.0.i64", "I64", "int64", 8, [2, 3], "raw"),
    ("layers.0.u64", "U64", "uint64", 8, [2, 3], "raw"),
    ("scalar", "F32", "float32", 4, [], "float"),
    ("empty", "BF16", "bfloat16", 2, [0, 4], "float"),
    ("na\u00efve.weight", "F16", "float16", 2, [3], "float"),
    ('quote"name', "F32", "float32", 4, [1], "float"),
    ("ctrl\x01name", "U8", "uint8", 1, [1], "raw"),
    # UTF-8 byte order puts U+FF21 before U+1F600; UTF-16 code-unit order would put them the other way round
    ("\uff21.wide", "U8", "uint8", 1, [1], "raw"),
    ("\U0001f600.emoji", "U8", "uint8", 1, [1], "raw"),
]
# One key only: the library keeps __metadata__ in a Rust HashMap, so the order of several keys in its output
# changes from run to run (seen with 0.8.0), and no other writer could match it byte for byte.
METADATA = {"format": "pt"}


def raw_bytes(k, nbytes):
    """Byte j of tensor k; BOOL tensors keep only the low bit (numpy's bool is 0 or 1)."""
    return np.array([(j * 37 + k * 11 + 5) & 0xFF for j in range(nbytes)], dtype=np.uint8)


def float_values(k, count):
    """Element i of tensor k: exact in F16 and BF16 as well as F32 and F64."""
    return np.array([(i - 3) * 0.5 + k for i in range(count)], dtype=np.float64)


def tensor_bytes(k, dtype, size, shape, kind):
    count = int(np.prod(shape)) if shape else 1
    if kind == "raw":
        data = raw_bytes(k, count * size)
        return data & 1 if dtype == "BOOL" else data
    values = float_values(k, count)
    if dtype == "F64":
        return values.astype("<f8").view(np.uint8)
    if dtype == "F32":
        return values.astype("<f4").view(np.uint8)
    if dtype == "F16":
        return values.astype("<f2").view(np.uint8)
    # BF16: the top half of the float32 (exact for these values)
    return (values.astype("<f4").view("<u4") >> 16).astype("<u2").view(np.uint8)


def main():
    keep_alive = []
    specs = {}
    for k, (name, dtype, spec_dtype, size, shape, kind) in enumerate(TENSORS):
        data = np.ascontiguousarray(tensor_bytes(k, dtype, size, shape, kind))
        keep_alive.append(data)
        specs[name] = TensorSpec(dtype=spec_dtype, shape=shape, data_ptr=data.ctypes.data, data_len=data.nbytes)
    serialize_file(specs, "python_fixture.safetensors", metadata=METADATA)
    print("wrote python_fixture.safetensors with safetensors", safetensors.__version__)


if __name__ == "__main__":
    main()
