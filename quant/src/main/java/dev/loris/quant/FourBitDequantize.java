package dev.loris.quant;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * Device dequantisation of bitsandbytes 4-bit weights to bf16, row-major as the weight was ((out, in) for a
 * linear layer), feeding the GEMM. Value i = code[q_i] * absmax_b in float32, rounded once to bf16 (what
 * bitsandbytes' kDequantizeBlockwise computes before storing its bf16 output), with absmax_b = the plain
 * float32 absmax or, double-quantised, nestedCode[q_b] * nested[b / 256] + offset (two float32 roundings, as
 * dequantize_blockwise then {@code absmax += offset}). Every backend computes the same bits: one product, one
 * sum, no fma (the compiler keeps Java's rounding), so the tolerance is exact.
 *
 * <p>Parameters shared by both kernels: {@code absmaxCodes} (blocks) u8 and {@code absmax} (ceil(blocks / 256))
 * f32 plus {@code nestedCode} (256) f32 and {@code offset} when {@code nested}; otherwise {@code absmax}
 * (blocks) f32 and the other two are ignored (pass any array). {@code blockShift} = log2(blocksize). Compile
 * with {@code blockShift}, {@code nested} and {@code fp4} fixed (see {@link #CONSTANT_BLOCK_SHIFT}) so the
 * branches fold and the shift is a constant. The codes are constant tables ({@link FourBitType}).
 *
 * <p>Grids: grid-stride, global = {G}, local = {L}, any G multiple of L.
 */
public final class FourBitDequantize {
    /** Java parameter indexes of the constants, the same in both kernels. */
    public static final int CONSTANT_BLOCK_SHIFT = 8;
    public static final int CONSTANT_NESTED = 9;
    public static final int CONSTANT_FP4 = 10;

    private FourBitDequantize() {
    }

    /** The plain kernel: one value per step; any count n. */
    public static void dequantizeBf16(KernelContext ctx, ByteArray packed, ByteArray absmaxCodes, FloatArray absmax,
                                      FloatArray nestedCode, float offset, BFloat16Array out, long n,
                                      int blockShift, boolean nested, boolean fp4) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            int shift = (int) (~i & 1) << 2; // the first of a pair sits in the high nibble
            int code = (packed.get(i >> 1) >> shift) & 15;
            float scale = blockAbsmax(absmaxCodes, absmax, nestedCode, offset, i >> blockShift, nested);
            out.setFloat(i, codeValue(code, fp4) * scale);
        }
    }

    /**
     * Sixteen values per step for bandwidth: {@code packed} is the codes seen as a LongArray (8 bytes, 16 codes)
     * and {@code out} the bf16 output seen as a LongArray (4 values a long), both views of the same device
     * memory; work-item k reads long k and writes longs 4k .. 4k + 3. {@code steps} = n / 16, so n must be a
     * multiple of 16 (blocksizes, 32 and up, are: one absmax serves a step, so its one to three dependent loads
     * are paid once per 16 values). Little-endian: long k holds byte 8k + b in bits 8b .. 8b + 7, and out long m
     * element 4m in its low 16 bits. Pairs round through TornadoMath.packBfloat16, so a NaN (from a corrupt
     * absmax) becomes 0x7FFF, what bitsandbytes' CUDA kernel stores too.
     */
    public static void dequantizeBf16Packed(KernelContext ctx, LongArray packed, ByteArray absmaxCodes,
                                            FloatArray absmax, FloatArray nestedCode, float offset, LongArray out,
                                            long steps, int blockShift, boolean nested, boolean fp4) {
        for (long k = ctx.globalIdx; k < steps; k += ctx.globalGroupSizeX) {
            long bits = packed.get(k);
            float scale = blockAbsmax(absmaxCodes, absmax, nestedCode, offset, (k << 4) >> blockShift, nested);
            for (int q = 0; q < 4; q++) { // out long 4k + q: bytes 2q and 2q + 1, four values
                long first = pairBf16((int) (bits >>> (16 * q)) & 0xFF, scale, fp4);
                long second = pairBf16((int) (bits >>> (16 * q + 8)) & 0xFF, scale, fp4);
                out.set(4 * k + q, first | second << 32);
            }
        }
    }

    static float blockAbsmax(ByteArray absmaxCodes, FloatArray absmax, FloatArray nestedCode, float offset,
                                     long block, boolean nested) {
        if (nested) {
            float scaled = nestedCode.get(absmaxCodes.get(block) & 0xFF) * absmax.get(block >> 8);
            return scaled + offset;
        }
        return absmax.get(block);
    }

    static float codeValue(int code, boolean fp4) {
        return fp4 ? FourBitType.FP4_CODE[code] : FourBitType.NF4_CODE[code];
    }

    /** One byte's two values (the first in its high nibble) as a bf16 pair, the first in the low half. */
    private static long pairBf16(int twoCodes, float scale, boolean fp4) {
        return TornadoMath.packBfloat16(codeValue(twoCodes >> 4, fp4) * scale, codeValue(twoCodes & 15, fp4) * scale)
                & 0xFFFFFFFFL;
    }
}
