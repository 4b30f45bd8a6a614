package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * The small element-wise steps of a decoder layer: residual sums (forward, and the gradient meeting at a
 * residual in backward), column sums of a (rows, cols) matrix (a bias's gradient is the column sum of
 * its output's gradient), and row scatters (new keys and values into a KV cache).
 *
 * <p>Grids: the element-wise kernels stride over n (global any multiple of local; 256 is a good group);
 * {@link #columnSums} takes global = {cols rounded up to local}, local = {L}: each work-item owns a column
 * and walks down the rows, so consecutive work-items read consecutive addresses. Column sums are summed in
 * row order in f32, the same order every run.
 *
 * <p>Also scaling, f32 to bf16 conversion and inverted dropout with a mask hashed from (seed, index), the small
 * steps of LoRA and its trainer.
 *
 * <p>Rounding: the f32 forms are exact IEEE sums. The bf16 sum is the f32 sum of the two bf16 values rounded
 * once to bf16, as PyTorch's bf16 add.
 */
public final class Elementwise {
    private Elementwise() {
    }

    /** out = a + b over n elements (f32 or bf16), rounded once; out may be a or b. */
    public static void add(KernelContext ctx, FloatingPointArray a, FloatingPointArray b, FloatingPointArray out,
                           long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.setFloat(i, a.getFloat(i) + b.getFloat(i));
        }
    }

    /**
     * sums[offset + c] = (accumulate ? sums[offset + c] : 0) + the sum over rows of x[r][c], for an f32 or bf16
     * (rows, cols) matrix, summed in f32 into f32 sums (a bias gradient, possibly inside a flat buffer).
     */
    public static void columnSums(KernelContext ctx, FloatingPointArray x, FloatArray sums, long offset, int rows,
                                  int cols, int accumulate) {
        int c = ctx.globalIdx;
        if (c < cols) {
            float sum = accumulate != 0 ? sums.get(offset + c) : 0f;
            for (int r = 0; r < rows; r++) {
                sum += x.getFloat((long) r * cols + c);
            }
            sums.set(offset + c, sum);
        }
    }

    /**
     * dst row {@code rowIndex[r]} = src row r, for f32 or bf16 rows of {@code width} values (copied exactly,
     * but for a signalling NaN, which comes out quiet). Grid: global {rows * L}, local {L}: a work-group per row.
     */
    public static void scatterRows(KernelContext ctx, FloatingPointArray src, FloatingPointArray dst,
                                   IntArray rowIndex, int width) {
        long from = (long) ctx.groupIdx * width;
        long to = (long) rowIndex.get(ctx.groupIdx) * width;
        for (int c = ctx.localIdx; c < width; c += ctx.localGroupSizeX) {
            dst.setFloat(to + c, src.getFloat(from + c));
        }
    }

    /** x *= factor over n elements, in place; in bf16 the f32 product rounded once, as PyTorch's. */
    public static void scale(KernelContext ctx, FloatingPointArray x, float factor, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            x.setFloat(i, x.getFloat(i) * factor);
        }
    }

    /** out (n) bf16 = x (n) f32 rounded to nearest even: the compute copy of f32 master weights. */
    public static void toBf16(KernelContext ctx, FloatArray x, BFloat16Array out, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.setFloat(i, x.get(i));
        }
    }

    /**
     * Inverted dropout: out = x / (1 - p) where {@link #dropoutKeeps} keeps element i, else 0. The mask is a
     * hash of (seed, i), not stored: the backward calls this again with the same seed on the gradient. out
     * may be x.
     */
    public static void dropout(KernelContext ctx, FloatingPointArray x, FloatingPointArray out, long seed, float p,
                               long n) {
        float keptScale = 1f / (1f - p);
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.setFloat(i, dropoutKeeps(seed, i, p) ? x.getFloat(i) * keptScale : 0f);
        }
    }

    /**
     * Whether dropout keeps element {@code index} under {@code seed}: a uniform in [0, 1) with 24 random bits,
     * from SplitMix64's finaliser of seed + index * golden ratio, at least p. Runs the same on the host
     * (references, tests) and in kernels.
     */
    public static boolean dropoutKeeps(long seed, long index, float p) {
        long z = seed + index * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        float uniform = (z >>> 40) * 0x1.0p-24f;
        return uniform >= p;
    }

    /** dst row r = src row {@code rowIndex[r]}, the inverse of {@link #scatterRows}; same grid. */
    public static void gatherRows(KernelContext ctx, FloatingPointArray src, FloatingPointArray dst,
                                  IntArray rowIndex, int width) {
        long from = (long) rowIndex.get(ctx.groupIdx) * width;
        long to = (long) ctx.groupIdx * width;
        for (int c = ctx.localIdx; c < width; c += ctx.localGroupSizeX) {
            dst.setFloat(to + c, src.getFloat(from + c));
        }
    }

    /**
     * Columns [srcOffset, srcOffset + width) of each row of src (rows, srcCols) into columns [dstOffset,
     * dstOffset + width) of the same row of dst (rows, dstCols), f32 or bf16, copied exactly (a signalling NaN comes
     * out quiet); the other columns of dst are left as they are. Splits a fused projection's output (Phi-3's
     * qkv_proj into q, k, v; gate_up_proj into gate, up) and joins the gradients back. Grid: global {rows * L},
     * local {L}: a work-group per row.
     */
    public static void copyColumns(KernelContext ctx, FloatingPointArray src, FloatingPointArray dst, int srcCols,
                                   int srcOffset, int dstCols, int dstOffset, int width) {
        long from = (long) ctx.groupIdx * srcCols + srcOffset;
        long to = (long) ctx.groupIdx * dstCols + dstOffset;
        for (int c = ctx.localIdx; c < width; c += ctx.localGroupSizeX) {
            dst.setFloat(to + c, src.getFloat(from + c));
        }
    }

}
