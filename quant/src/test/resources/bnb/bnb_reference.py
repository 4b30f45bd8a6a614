#!/usr/bin/env python3
"""Plain NumPy reference of bitsandbytes' 4-bit (NF4/FP4, double quantisation) and LLM.int8 row-wise storage,
and the writer of bnb_reference.safetensors, the fixture Loris' quant tests compare their bytes with.

bitsandbytes is not installed anywhere we reach, so this follows its published source step by step
(bitsandbytes-foundation/bitsandbytes @95f9af30):
  functional.py   quantize_4bit, dequantize_4bit, quantize_blockwise, dequantize_blockwise, get_4bit_type,
                  create_dynamic_map, QuantState.as_dict(packed=True)
  csrc/ops.cu     quantizeBlockwise / dequantizeBlockwise (which kernel, which blocksize in bytes)
  csrc/kernels.cu kQuantizeBlockwise(Small): absmax = max|x| per block, s = x * (1.0f / absmax), dQuantizeNF4 and
                  dQuantizeFP4 decision trees (strictly-greater tests), dQuantize<0> (binary search + midpoint
                  rule) for the 8-bit dynamic code; first element of a pair in the HIGH nibble; padding of an
                  odd count quantises 0.0; kDequantizeBlockwise: code * absmax in f32, then one rounding to the
                  output dtype
  nn/modules.py   Params4bit._quantize, Int8Params._quantize (weight -> float16 -> int8_vectorwise_quant),
                  Linear8bitLt._save_to_state_dict (weight int8, SCB f32, weight_format u8 0)
  backends/cuda/ops.py + _ops.py  int8_vectorwise_quant (row absmax, round-half-even of x * 127/absmax),
                  int8_vectorwise_dequant (q * SCB * 7.874015718698502e-3 in f32)
  utils.py        pack_dict_to_tensor (json.dumps of the non-tensor quant_state fields, as uint8)

The kernels' thresholds and tables are C float literals, which round the decimal once to float32
(float_literal below, like Java's float literals); four NF4 pivots would differ if rounded through double.

Where this cannot be bit-identical to a CUDA build of bitsandbytes (which is compiled with --use_fast_math):
  * 1.0f / absmax is rcp.approx.ftz there (within 1 ulp) and 127.0f / absmax is __fdividef; here and in Loris
    both are IEEE divisions (as in bitsandbytes' own CPU/default backend). A code can differ only where
    x * (1/absmax) lands within an ulp of a decision threshold.
  * offset = absmax.mean() is a float32 torch reduction there; here it is the mean of the exact sum, rounded
    once to double, divided, rounded to float32 (deterministic, within an ulp of torch's).
  * create_dynamic_map() runs torch.linspace on the CPU; torch's serial linspace loop computes
    start + step * i, which the compiler contracts to an fma on x86 builds with FMA (an older bitsandbytes
    comment lists map values only the fused form gives). bnb_reference_torch.py checks this table against
    real torch on the GPU machine.

Usage: python3 bnb_reference.py [--write | --check]   (default --check: recompute and compare with the file)
"""
import json
import math
import struct
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

F32 = np.float32
HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "bnb_reference.safetensors"


def float_literal(text):
    """A C/CUDA float literal ("0.5016634166240692f"): the decimal rounded once, to nearest even, to float32.
    np.float32(0.5016634166240692) would round twice (to double, then to float) and differs for 4 of the 15 NF4
    pivots."""
    exact = Fraction(text)
    near = np.float32(float(exact))
    candidates = [np.nextafter(near, F32(-np.inf)), near, np.nextafter(near, F32(np.inf))]
    return min(candidates, key=lambda c: (abs(Fraction(float(c)) - exact), int(np.array(c).view(np.uint32)) & 1))


# get_4bit_type("nf4"): Python floats made float32 by torch.tensor, divided by max |v| = 1.0 (exact).
NF4_TEXT = ("-1.0", "-0.6961928009986877", "-0.5250730514526367", "-0.39491748809814453", "-0.28444138169288635",
            "-0.18477343022823334", "-0.09105003625154495", "0.0", "0.07958029955625534", "0.16093020141124725",
            "0.24611230194568634", "0.33791524171829224", "0.44070982933044434", "0.5626170039176941",
            "0.7229568362236023", "1.0")
NF4_CODE = np.array([float(t) for t in NF4_TEXT], dtype=F32)
# get_4bit_type("fp4"): these values divided by 12 in float32 (equal, bit for bit, to kernels.cu's LUT
# times the sign bit: checked in main()).
FP4_CODE = np.array([0, 0.0625, 8, 12, 4, 6, 2, 3, -0.0, -0.0625, -8, -12, -4, -6, -2, -3], dtype=F32) / F32(12)
FP4_KERNEL_LUT = np.array([float_literal(t) for t in (
    "0.0", "0.005208333333", "0.66666667", "1.0", "0.33333333", "0.5", "0.16666667", "0.25")], dtype=F32)

# dQuantizeNF4's pivots (float literals), ascending: the code is how many of them s is strictly greater than.
NF4_PIVOTS = np.array([float_literal(t) for t in (
    "-0.8480964004993439", "-0.6106329262256622", "-0.4599952697753906", "-0.33967943489551544",
    "-0.23460740596055984", "-0.13791173323988914", "-0.045525018125772476", "0.03979014977812767",
    "0.1202552504837513", "0.2035212516784668", "0.2920137718319893", "0.3893125355243683", "0.5016634166240692",
    "0.6427869200706482", "0.8614784181118011")], dtype=F32)


def nf4_encode(s):
    """dQuantizeNF4 on float32 s (a NaN answers every test false and gets code 0, as on CUDA)."""
    s = np.asarray(s, dtype=F32)
    code = np.zeros(s.shape, dtype=np.uint8)
    for p in NF4_PIVOTS:
        code += (s > p).astype(np.uint8)
    # The tree never counts a NaN: every comparison is false and the tree ends in 0b0000.
    return np.where(np.isnan(s), np.uint8(0), code)


def fp4_encode(s):
    """dQuantizeFP4: sign bit 8 for s < 0, then the tree on |s| (literals as in kernels.cu)."""
    s = np.asarray(s, dtype=F32)
    sign = np.where(s < 0, 8, 0).astype(np.uint8)
    a = np.abs(s)
    t = lambda v: a > float_literal(v)
    code = np.where(t("0.29166667"),
                    np.where(t("0.583333"), np.where(t("0.8333333"), 3, 2), np.where(t("0.4166667"), 5, 4)),
                    np.where(t("0.0859375"), np.where(t("0.20833333"), 7, 6), np.where(t("0.00260417"), 1, 0)))
    return (code.astype(np.uint8) + sign).astype(np.uint8)


def fma32(a, b, c):
    """fmaf(a, b, c) for float32 operands whose exact result fits a double (true for the linspace below)."""
    return F32(np.float64(a) * np.float64(b) + np.float64(c))


def torch_linspace_f32(start, end, steps):
    """torch.linspace(start, end, steps, dtype=float32) on the CPU: RangeFactoriesKernel.cpp's serial loop,
    start + step*i below the halfway point, end - step*(steps-i-1) from it, each an fma (see the header)."""
    s, e = F32(start), F32(end)
    step = F32((e - s) / F32(steps - 1))
    half = steps // 2
    out = [fma32(step, F32(i), s) if i < half else fma32(-step, F32(steps - i - 1), e) for i in range(steps)]
    return np.array(out, dtype=F32)


def create_dynamic_map():
    """create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): 256 sorted float32 values."""
    data = []
    for i in range(7):
        boundaries = torch_linspace_f32(0.1, 1, 2 ** i + 1)
        means = (boundaries[:-1] + boundaries[1:]) / F32(2.0)
        scale = F32(10.0 ** (-6 + i))  # a Python scalar times a float32 tensor: the scalar becomes float32
        data += list(scale * means) + list(-scale * means)
    data += [F32(0), F32(1.0)]
    data.sort()
    return np.array(data, dtype=F32)


def dquantize8(code, x):
    """kernels.cu dQuantize<0> (no stochastic rounding) on float32 x, vectorised."""
    x = np.asarray(x, dtype=F32)
    pivot = np.full(x.shape, 127, dtype=np.int64)
    upper_pivot = np.full(x.shape, 255, dtype=np.int64)
    lower_pivot = np.zeros(x.shape, dtype=np.int64)
    lower = np.full(x.shape, F32(-1.0), dtype=F32)
    upper = np.full(x.shape, F32(1.0), dtype=F32)
    val = code[pivot]
    i = 64
    while i > 0:
        up = x > val
        lower_pivot = np.where(up, pivot, lower_pivot)
        lower = np.where(up, val, lower)
        upper_pivot = np.where(up, upper_pivot, pivot)
        upper = np.where(up, upper, val)
        pivot = np.where(up, pivot + i, pivot - i)
        val = code[pivot]
        i >>= 1
    upper = np.where(upper_pivot == 255, code[255], upper)
    lower = np.where(lower_pivot == 0, code[0], lower)
    above = x > val
    mid_up = (upper + val) * F32(0.5)
    mid_down = (lower + val) * F32(0.5)
    result = np.where(above, np.where(x > mid_up, upper_pivot, pivot), np.where(x < mid_down, lower_pivot, pivot))
    return result.astype(np.uint8)


def block_absmax(x, blocksize):
    """max |x| per block of the flattened tensor (the last block may be partial); 0 for an all-zero block."""
    n = x.size
    blocks = -(-n // blocksize)
    padded = np.zeros(blocks * blocksize, dtype=F32)
    padded[:n] = np.abs(x)
    return padded.reshape(blocks, blocksize).max(axis=1).astype(F32)


def quantize_blockwise8(x, code, blocksize):
    """quantize_blockwise (General8bit): absmax per block, q = dQuantize(code, x * (1/absmax))."""
    absmax = block_absmax(x, blocksize)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = F32(1.0) / absmax
        s = x * np.repeat(inv, blocksize)[:x.size]
    return dquantize8(code, s), absmax


def dequantize_blockwise8(q, absmax, code, blocksize):
    return (code[q] * np.repeat(absmax, blocksize)[:q.size]).astype(F32)


def exact_mean_f32(values):
    """The offset: exact sum (math.fsum, correctly rounded to double), divided by n in double, to float32."""
    return F32(math.fsum(float(v) for v in values) / len(values))


def quantize_4bit(x, blocksize, quant_type):
    """kQuantizeBlockwise(Small) for NF4/FP4: packed bytes (first of a pair in the high nibble) and absmax."""
    n = x.size
    absmax = block_absmax(x, blocksize)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = F32(1.0) / absmax
        padded = np.zeros(n + (n & 1), dtype=F32)  # an odd count quantises a 0.0 into the last low nibble
        padded[:n] = x
        s = padded * np.repeat(inv, blocksize)[:padded.size]  # blocksize is even: the pad is in the last block
    codes = nf4_encode(s) if quant_type == "nf4" else fp4_encode(s)
    packed = (codes[0::2] << 4) | codes[1::2]
    return packed.astype(np.uint8), absmax


def code_table(quant_type):
    return NF4_CODE if quant_type == "nf4" else FP4_CODE


def dequantize_4bit(packed, absmax, blocksize, quant_type, n):
    codes = np.empty(packed.size * 2, dtype=np.uint8)
    codes[0::2] = packed >> 4
    codes[1::2] = packed & 15
    codes = codes[:n]
    return (code_table(quant_type)[codes] * np.repeat(absmax, blocksize)[:n]).astype(F32)


def double_quantize(absmax, dynamic_map):
    """compress_statistics: offset = mean(absmax); quantize_blockwise(absmax - offset, blocksize=256)."""
    offset = exact_mean_f32(absmax)
    q, nested_absmax = quantize_blockwise8((absmax - offset).astype(F32), dynamic_map, 256)
    return q, nested_absmax, offset


def double_dequantize(q, nested_absmax, dynamic_map, offset):
    return (dequantize_blockwise8(q, nested_absmax, dynamic_map, 256) + offset).astype(F32)


def to_bf16_bits(x):
    """float32 -> bfloat16 bits, round to nearest even (finite inputs)."""
    bits = np.asarray(x, dtype=F32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(F32)


def int8_quantize(x):
    """Int8Params._quantize: weight -> float16; per row absmax; q = round-half-even(x * (127/absmax))."""
    h = x.astype(np.float16).astype(F32)
    absmax = np.abs(h).max(axis=1).astype(F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = F32(127.0) / absmax
        s = (h * scale[:, None]).astype(F32)
    s = np.where(np.isnan(s), F32(0), s)  # cvt.rni of NaN (an all-zero row) gives 0
    return np.rint(s).astype(np.int8), absmax


def int8_dequantize(q, scb):
    return ((q.astype(F32) * scb[:, None]).astype(F32) * F32(7.874015718698502e-3)).astype(F32)


def quant_state_json(quant_type, blocksize, dtype, shape, offset):
    """pack_dict_to_tensor(as_dict(packed=True) minus tensors): json.dumps with Python's separators."""
    fields = {"quant_type": quant_type, "blocksize": blocksize, "dtype": dtype, "shape": list(shape)}
    if offset is not None:
        fields.update({"nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": float(offset)})
    return json.dumps(fields).encode("utf-8")


# ---- the fixture cases ------------------------------------------------------------------------------------

SOURCE_DTYPES = {"bfloat16": "BF16", "float16": "F16", "float32": "F32"}


FP4_PIVOTS = np.array([float_literal(t) for t in (
    "0.00260417", "0.0859375", "0.20833333", "0.29166667", "0.4166667", "0.583333", "0.8333333")], dtype=F32)


def source_tensor(rng, shape, dtype, quant_type=None):
    """Weight-like values (normal, std 0.02) with outliers, an all-zero block, a negative extreme, and in a
    block whose absmax is 1.0 the decision thresholds themselves (ties, which the strictly-greater tests send
    down; exact only for float32 sources) and the floats just above them; rounded to the source dtype."""
    x = rng.normal(0.0, 0.02, size=shape).astype(F32).reshape(-1)
    x[rng.integers(0, x.size, size=max(1, x.size // 500))] *= 20
    if x.size >= 256:
        x[64:128] = 0.0
        x[128:192] *= 0.5
        x[150] = -0.5  # block 2's extreme is negative
    if x.size >= 256 and quant_type is not None:
        pivots = NF4_PIVOTS if quant_type == "nf4" else np.concatenate([FP4_PIVOTS, -FP4_PIVOTS])
        x[192:192 + pivots.size] = pivots
        x[207] = 1.0
        x[208:208 + pivots.size] = np.nextafter(pivots, F32(2))
    if dtype == "bfloat16":
        return from_bf16_bits(to_bf16_bits(x)).reshape(shape), to_bf16_bits(x).reshape(shape)
    if dtype == "float16":
        h = x.astype(np.float16)
        return h.astype(F32).reshape(shape), h.reshape(shape)
    return x.reshape(shape), x.reshape(shape)


FOUR_BIT_CASES = [
    # name, quant_type, blocksize, double quant, source dtype, shape
    ("nf4_dq", "nf4", 64, True, "bfloat16", (160, 136)),       # 340 absmax: two nested blocks, the last partial
    ("fp4_dq", "fp4", 64, True, "bfloat16", (96, 136)),
    ("nf4_odd", "nf4", 64, True, "bfloat16", (7, 9)),          # 63 values: an odd count, one partial block
    ("nf4_bs128_plain", "nf4", 128, False, "float32", (40, 96)),  # float32: exact ties on the pivots
    ("fp4_bs32_dq", "fp4", 32, True, "float32", (24, 72)),
    ("nf4_bs4096_dq", "nf4", 4096, True, "float16", (48, 200)),
]
INT8_CASES = [("int8_rows", "bfloat16", (48, 80))]


def build_tensors():
    """Every fixture tensor: name -> (safetensors dtype, shape, raw little-endian bytes)."""
    rng = np.random.default_rng(20260511)
    dynamic_map = create_dynamic_map()
    tensors = {"dynamic_map": ("F32", (256,), dynamic_map.tobytes())}
    for name, quant_type, blocksize, nested, dtype, shape in FOUR_BIT_CASES:
        x, stored = source_tensor(rng, shape, dtype, quant_type)
        x = x.reshape(-1)
        packed, absmax = quantize_4bit(x, blocksize, quant_type)
        p = f"{name}.weight"
        tensors[f"{name}.source"] = (SOURCE_DTYPES[dtype], shape, stored.tobytes())
        tensors[p] = ("U8", (packed.size, 1), packed.tobytes())
        tensors[f"{p}.quant_map"] = ("F32", (16,), code_table(quant_type).tobytes())
        if nested:
            q, nested_absmax, offset = double_quantize(absmax, dynamic_map)
            tensors[f"{p}.absmax"] = ("U8", (q.size,), q.tobytes())
            tensors[f"{p}.nested_absmax"] = ("F32", (nested_absmax.size,), nested_absmax.tobytes())
            tensors[f"{p}.nested_quant_map"] = ("F32", (256,), dynamic_map.tobytes())
            used_absmax = double_dequantize(q, nested_absmax, dynamic_map, offset)
        else:
            offset = None
            tensors[f"{p}.absmax"] = ("F32", (absmax.size,), absmax.tobytes())
            used_absmax = absmax
        state = np.frombuffer(quant_state_json(quant_type, blocksize, dtype, shape, offset), dtype=np.uint8)
        tensors[f"{p}.quant_state.bitsandbytes__{quant_type}"] = ("U8", (state.size,), state.tobytes())
        dequant = dequantize_4bit(packed, used_absmax, blocksize, quant_type, x.size)
        tensors[f"{name}.dequantized"] = ("BF16", shape, to_bf16_bits(dequant).tobytes())
    for name, dtype, shape in INT8_CASES:
        x, stored = source_tensor(rng, shape, dtype)
        x[5, :] = 0.0  # an all-zero row
        stored = to_bf16_bits(x)
        q, scb = int8_quantize(x)
        tensors[f"{name}.source"] = (SOURCE_DTYPES[dtype], shape, stored.tobytes())
        tensors[f"{name}.weight"] = ("I8", shape, q.tobytes())
        tensors[f"{name}.SCB"] = ("F32", (shape[0],), scb.tobytes())
        tensors[f"{name}.weight_format"] = ("U8", (), bytes([0]))
        tensors[f"{name}.dequantized"] = ("BF16", shape, to_bf16_bits(int8_dequantize(q, scb)).tobytes())
    return tensors


def safetensors_bytes(tensors):
    """A safetensors file: u64 header length, JSON header (names sorted), data back to back."""
    header, data, offset = {}, [], 0
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        data.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(data)


def main():
    # The kernels' lookup tables are float literals; get_4bit_type's are Python floats made float32: equal.
    nf4_lut = np.array([float_literal(t) for t in NF4_TEXT], dtype=F32)  # kernels.cu nf4_dequantization_lut
    assert np.array_equal(NF4_CODE.view(np.uint32), nf4_lut.view(np.uint32))
    assert np.array_equal(FP4_CODE[:8].view(np.uint32), FP4_KERNEL_LUT.view(np.uint32))
    assert np.array_equal(FP4_CODE[8:].view(np.uint32), (-FP4_KERNEL_LUT).view(np.uint32))
    content = safetensors_bytes(build_tensors())
    if "--write" in sys.argv:
        FIXTURE.write_bytes(content)
        print(f"wrote {FIXTURE} ({len(content)} bytes)")
    else:
        same = FIXTURE.exists() and FIXTURE.read_bytes() == content
        print("fixture matches the reference" if same else "fixture DIFFERS from the reference")
        sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
