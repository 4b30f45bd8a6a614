#!/usr/bin/env python3
"""numpy port of llama.cpp's reference quantisers quantize_row_q8_0_ref and quantize_row_q4_0_ref
(ggml/src/ggml-quants.c), written from the C source, in float32 arithmetic without fused multiply-add.

Writes reference_quants.json beside this script: for a fixed set of rows (random normals of several
scales, exact halves that test the rounding rules, zeros, a single outlier, negative maxima), the input
floats (as u32 bit patterns) and the Q8_0 and Q4_0 bytes (hex). QuantReferenceTest checks the Java
quantisers against it byte for byte. Run: python3 reference_quants.py (numpy only).
"""
import json
import pathlib

import numpy as np


def fp16_bits(x):
    return int(np.array([x], dtype=np.float32).astype(np.float16).view(np.uint16)[0])


def roundf(v):
    # C roundf: half away from zero
    v = np.float32(v)
    r = np.floor(np.abs(np.float64(v)) + 0.5)
    return int(-r if v < 0 else r)


def q8_0(row):
    out = bytearray()
    for b in range(len(row) // 32):
        x = row[32 * b:32 * b + 32].astype(np.float32)
        amax = np.float32(0)
        for v in x:
            amax = max(amax, np.float32(abs(v)))
        d = np.float32(amax / np.float32(127))
        idv = np.float32(np.float32(1.0) / d) if d != 0 else np.float32(0)
        out += fp16_bits(d).to_bytes(2, "little")
        for v in x:
            out += (roundf(np.float32(v * idv)) & 0xFF).to_bytes(1, "little")
    return bytes(out)


def q4_0(row):
    out = bytearray()
    for b in range(len(row) // 32):
        x = row[32 * b:32 * b + 32].astype(np.float32)
        amax = np.float32(0)
        mx = np.float32(0)
        for v in x:
            if amax < abs(v):
                amax = np.float32(abs(v))
                mx = np.float32(v)
        d = np.float32(mx / np.float32(-8))
        idv = np.float32(np.float32(1.0) / d) if d != 0 else np.float32(0)
        out += fp16_bits(d).to_bytes(2, "little")
        for j in range(16):
            x0 = np.float32(np.float32(x[j] * idv) + np.float32(8.5))
            x1 = np.float32(np.float32(x[16 + j] * idv) + np.float32(8.5))
            q0 = min(15, int(np.trunc(x0)))
            q1 = min(15, int(np.trunc(x1)))
            out += (q0 | (q1 << 4)).to_bytes(1, "little")
    return bytes(out)


def rows():
    rng = np.random.default_rng(20260522)
    cases = []
    for scale in (1e-4, 0.02, 1.0, 300.0):
        cases.append(rng.standard_normal(256).astype(np.float32) * np.float32(scale))
    halves = np.zeros(64, dtype=np.float32)
    halves[0] = 127.0  # d = 1: every x * id is x itself
    halves[1:32] = np.array([k + 0.5 for k in range(-15, 16)], dtype=np.float32)
    halves[32] = -8.0  # q4_0: d = 1, x + 8.5 on exact halves
    halves[33:64] = np.array([k * 0.5 for k in range(-15, 16)], dtype=np.float32)
    cases.append(halves)
    cases.append(np.zeros(64, dtype=np.float32))
    outlier = np.full(64, 0.001, dtype=np.float32)
    outlier[5] = 50.0
    outlier[40] = -50.0
    outlier[41] = 50.0  # equal magnitude later: the first one sets q4_0's sign
    cases.append(outlier)
    cases.append(-np.abs(rng.standard_normal(64).astype(np.float32)))
    return cases


def main():
    entries = []
    for row in rows():
        entries.append({
            "bits": [int(v) for v in row.view(np.uint32)],
            "q8_0": q8_0(row).hex(),
            "q4_0": q4_0(row).hex(),
        })
    target = pathlib.Path(__file__).with_name("reference_quants.json")
    target.write_text(json.dumps(entries))
    print(f"wrote {len(entries)} rows to {target}")


if __name__ == "__main__":
    main()
