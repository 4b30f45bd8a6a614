package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;

/**
 * Dequantisation of bitsandbytes 4-bit weights (NF4, or FP4 with its own table): element i of the
 * row-major flattened tensor is {@code codebook[q_i] * absmax[i / 64]}, computed in f32 and, for the bf16
 * output, rounded once to bf16 (as bitsandbytes' kernel does before casting to the compute dtype).
 *
 * <p>Packing, as bitsandbytes stores it (formats.md section 4, from its CUDA kernels): byte k holds element
 * 2k in its HIGH nibble and element 2k+1 in its low nibble; an odd count leaves the last low nibble unused.
 * Blocks of {@link #BLOCK_SIZE} consecutive elements share one f32 absmax (plain absmax; double-quantised
 * absmax must be expanded first). The 16-entry NF4 code is a static final table the compiler embeds in the
 * kernel (a constant table); FP4 would be a second table passed to the same {@code element} helper.
 *
 * <p>Grid: grid-stride over the elements, one element per step (consecutive work-items write consecutive
 * elements; two of them share a byte read): global = {G}, local = {L}, any G multiple of L.
 * Tolerance: exact on every backend (one f32 product, one rounding).
 */
public final class Nf4 {
    /** bitsandbytes' default block size. */
    public static final int BLOCK_SIZE = 64;

    private static final float[] NF4_CODE = {
            -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
            -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
            0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
            0.7229568362236023f, 1.0f};

    private Nf4() {
    }

    /** A copy of the NF4 code (bitsandbytes get_4bit_type("nf4")), index 0..15, the table the kernels read. */
    public static float[] nf4Code() {
        return NF4_CODE.clone();
    }

    public static void dequantize(KernelContext ctx, ByteArray packed, FloatArray absmax, FloatArray out, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.set(i, element(packed, NF4_CODE, absmax, i));
        }
    }

    public static void dequantizeBf16(KernelContext ctx, ByteArray packed, FloatArray absmax, BFloat16Array out,
                                      long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.setFloat(i, element(packed, NF4_CODE, absmax, i));
        }
    }

    /** Element i in f32: its nibble (high for even i) looked up in {@code code} and scaled by its block's absmax. */
    private static float element(ByteArray packed, float[] code, FloatArray absmax, long i) {
        int shift = (int) (~i & 1) << 2;
        int nibble = (packed.get(i >> 1) >> shift) & 15;
        return code[nibble] * absmax.get(i / BLOCK_SIZE);
    }

    /** Byte by byte, high nibble then low: written independently of the kernels' per-element form. */
    public static float[] dequantizeReference(byte[] packed, float[] codebook, float[] absmax, int n) {
        float[] out = new float[n];
        for (int k = 0; 2 * k < n; k++) {
            int high = (packed[k] & 0xF0) >>> 4;
            int low = packed[k] & 0x0F;
            out[2 * k] = codebook[high] * absmax[2 * k / BLOCK_SIZE];
            if (2 * k + 1 < n) {
                out[2 * k + 1] = codebook[low] * absmax[(2 * k + 1) / BLOCK_SIZE];
            }
        }
        return out;
    }
}
