#!/usr/bin/env python3
"""The bitsandbytes reference of bnb_reference.py again, in torch ops on the GPU machine, checked against the
committed fixture bnb_reference.safetensors. It answers what the NumPy reference cannot:

  1. create_dynamic_map with torch's own linspace (is the committed table torch's, bit for bit?);
  2. the 4-bit codes, absmax and double quantisation computed by torch on CUDA (float32 ops, IEEE division),
     with the offset as bitsandbytes takes it (absmax.mean() on the GPU): how far is it from our exact mean, and
     does it change any stored byte?
  3. with triton present, 1/absmax as bitsandbytes' fast-math build computes it (rcp.approx.ftz.f32): how many
     codes would a CUDA bitsandbytes choose differently from Loris' IEEE reciprocal?

Run on the GPU machine (torch, numpy; triton optional), from the repository root:
    python3 quant/src/test/resources/bnb/bnb_reference_torch.py
It prints one summary line per check and exits 1 if the fixture is not what torch computes (then it writes the
torch dynamic map to $OUT/dynamic_map_torch.txt, one float32 hex per line).
"""
import json
import os
import struct
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bnb_reference as ref  # noqa: E402  the literal tables and the fixture's case list

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def read_safetensors(path):
    raw = path.read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    base = 8 + size
    return {k: (v["dtype"], v["shape"], raw[base + v["data_offsets"][0]:base + v["data_offsets"][1]])
            for k, v in header.items() if k != "__metadata__"}


def torch_dynamic_map():
    """create_dynamic_map(signed=True, 7, 8) step by step with torch on the CPU, as bitsandbytes runs it."""
    data = []
    for i in range(7):
        boundaries = torch.linspace(0.1, 1, 2 ** i + 1, dtype=torch.float32)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-6 + i)) * means).tolist()
        data += (-(10 ** (-6 + i)) * means).tolist()
    data += [0, 1.0]
    data.sort()
    return torch.tensor(data, dtype=torch.float32)


def source(tensors, name):
    dtype, shape, raw = tensors[name + ".source"]
    np_dtype = {"BF16": np.uint16, "F16": np.float16, "F32": np.float32}[dtype]
    array = np.frombuffer(raw, dtype=np_dtype).copy()
    t = torch.from_numpy(array.view(np.int16) if dtype == "BF16" else array)
    return (t.view(torch.bfloat16) if dtype == "BF16" else t).to(DEVICE).reshape(-1).float()


def encode4(s, quant_type):
    if quant_type == "nf4":
        pivots = torch.from_numpy(ref.NF4_PIVOTS).to(s.device)
        code = (s.unsqueeze(-1) > pivots).sum(-1)
        return torch.where(torch.isnan(s), torch.zeros_like(code), code).to(torch.uint8)
    return torch.from_numpy(ref.fp4_encode(s.cpu().numpy())).to(s.device)  # the tree, on the host


def quantize4(x, blocksize, quant_type, reciprocal):
    n = x.numel()
    blocks = -(-n // blocksize)
    padded = torch.zeros(blocks * blocksize + 1, device=x.device)
    padded[:n] = x
    absmax = padded[:blocks * blocksize].abs().view(blocks, blocksize).amax(1)
    inv = reciprocal(absmax)
    pairs = n + (n & 1)
    s = padded[:pairs] * inv.repeat_interleave(blocksize)[:pairs]
    codes = encode4(s, quant_type)
    return ((codes[0::2] << 4) | codes[1::2]).to(torch.uint8), absmax


def rcp_approx():
    """1/x as rcp.approx.ftz.f32 (what nvcc --use_fast_math emits for 1.0f / x), through triton, or None."""
    try:
        import triton
        import triton.language as tl
    except ImportError:
        return None

    @triton.jit
    def kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + offs, mask=offs < n)
        y = tl.inline_asm_elementwise("rcp.approx.ftz.f32 $0, $1;", "=r,r", [x], dtype=tl.float32,
                                      is_pure=True, pack=1)
        tl.store(y_ptr + offs, y, mask=offs < n)

    def reciprocal(x):
        y = torch.empty_like(x)
        kernel[(triton.cdiv(x.numel(), 1024),)](x, y, x.numel(), BLOCK=1024)
        return y
    return reciprocal


def main():
    tensors = read_safetensors(ref.FIXTURE)
    failures = 0
    committed = np.frombuffer(tensors["dynamic_map"][2], dtype=np.float32)
    ours = torch_dynamic_map().numpy()
    differ = int((committed.view(np.uint32) != ours.view(np.uint32)).sum())
    print(f"dynamic map: {differ} of 256 values differ from torch's create_dynamic_map")
    if differ:
        failures += 1
        out = Path(os.environ.get("OUT", "/tmp")) / "dynamic_map_torch.txt"
        out.write_text("".join(f"{v:08x}\n" for v in ours.view(np.uint32)))
        print(f"  torch's table written to {out}")
    approx = rcp_approx() if DEVICE == "cuda" else None
    ieee = lambda a: 1.0 / a
    for name, quant_type, blocksize, nested, _, _ in ref.FOUR_BIT_CASES:
        x = source(tensors, name)
        packed, absmax = quantize4(x, blocksize, quant_type, ieee)
        stored = np.frombuffer(tensors[name + ".weight"][2], dtype=np.uint8)
        bad = int((packed.cpu().numpy() != stored).sum())
        line = f"{name}: {bad} of {stored.size} packed bytes differ (torch on {DEVICE}, IEEE 1/absmax)"
        failures += bad != 0
        if nested:
            torch_offset = absmax.mean().item()
            exact = float(ref.exact_mean_f32(absmax.cpu().numpy()))
            ulps = abs(int(np.float32(torch_offset).view(np.int32)) - int(np.float32(exact).view(np.int32)))
            line += f"; offset torch mean vs exact mean: {ulps} ulp"
            q, _ = ref.quantize_blockwise8((absmax.cpu().numpy() - np.float32(torch_offset)).astype(np.float32),
                                           ours, 256)
            codes = np.frombuffer(tensors[name + ".weight.absmax"][2], dtype=np.uint8)
            line += f", absmax codes with torch's offset: {int((q != codes).sum())} of {codes.size} differ"
        if approx is not None:
            fast, _ = quantize4(x, blocksize, quant_type, approx)
            line += f"; with rcp.approx: {int((fast != packed).sum())} bytes differ"
        print(line)
    print("torch reproduces the fixture" if failures == 0 else "the fixture is NOT what torch computes")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
