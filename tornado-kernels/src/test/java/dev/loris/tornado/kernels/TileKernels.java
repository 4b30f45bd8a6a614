package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.tiles.WarpTiles;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Small tensor-core kernels for tests: one warp multiplies 16 x 16 blocks, so every fragment layout, both
 * ldmatrix forms and the async copies are checked element by element against plain Java.
 */
public final class TileKernels {
    /** Elements of a 16 x 16 block. */
    static final int BLOCK = 16 * 16;

    private TileKernels() {
    }

    /**
     * C (16 x 16, f32, row-major) = A (16 x 16) * B (16 x 16), bf16, one warp. A is stored (m, k) when
     * {@code aKContiguous}, else (k, m); B is stored (n, k) when {@code bKContiguous}, else (k, n). The golden
     * PTX kernel: one ldmatrix for A, one for two B blocks, two mma.sync.
     */
    public static void mmaBlock(KernelContext ctx, BFloat16Array a, BFloat16Array b, FloatArray c,
                                boolean aKContiguous, boolean bKContiguous) {
        short[] tileA = ctx.allocateShortLocalArray(BLOCK);
        short[] tileB = ctx.allocateShortLocalArray(BLOCK);
        for (int i = ctx.localIdx; i < BLOCK; i += 32) {
            tileA[i] = a.get(i);
            tileB[i] = b.get(i);
        }
        ctx.localBarrier();
        int[] fragA = new int[4];
        int[] fragB = new int[4];
        float[] acc = new float[8];
        WarpTiles.loadA(ctx, fragA, 0, tileA, 0, 16, aKContiguous, 0, 0);
        WarpTiles.loadB(ctx, fragB, 0, tileB, 0, 16, bKContiguous, 0, 0);
        WarpTiles.mma(ctx, acc, fragA, fragB, 1, 2, true);
        storeBlock(ctx, acc, c);
    }

    /**
     * C (16 x 16, f32) = A (16 x k) * B (k x 16), f16, A stored (m, k) and B (k, n), both brought to local
     * memory by cp.async in 16-wide slices, two slices in flight: the pipelining pattern of the GEMM in small.
     * {@code k} is a multiple of 16; A rows hold {@code k} elements, B rows 16.
     */
    public static void pipelinedF16(KernelContext ctx, HalfFloatArray a, HalfFloatArray b, FloatArray c, int k) {
        short[] tileA = ctx.allocateShortLocalArray(2 * BLOCK);
        short[] tileB = ctx.allocateShortLocalArray(2 * BLOCK);
        int[] fragA = new int[4];
        int[] fragB = new int[4];
        float[] acc = new float[8];
        int lane = ctx.localIdx;
        int slices = k / 16;
        // Each lane copies one 8-element row half of A and one of B per slice: 32 chunks of 16 bytes each.
        int row = lane / 2;
        int half = 8 * (lane % 2);
        copySlice(ctx, tileA, tileB, a, b, k, 0, 0, row, half);
        for (int s = 0; s < slices; s++) {
            if (s + 1 < slices) {
                copySlice(ctx, tileA, tileB, a, b, k, s + 1, ((s + 1) % 2) * BLOCK, row, half);
                ctx.asyncWait(1);
            } else {
                ctx.asyncWait(0);
            }
            ctx.localBarrier();
            int base = (s % 2) * BLOCK;
            WarpTiles.loadA(ctx, fragA, 0, tileA, base, 16, true, 0, 0);
            WarpTiles.loadB(ctx, fragB, 0, tileB, base, 16, false, 0, 0);
            WarpTiles.mma(ctx, acc, fragA, fragB, 1, 2, false);
            ctx.localBarrier(); // the copy after next overwrites this slice
        }
        storeBlock(ctx, acc, c);
    }

    private static void copySlice(KernelContext ctx, short[] tileA, short[] tileB, HalfFloatArray a, HalfFloatArray b,
                                  int k, int slice, int base, int row, int half) {
        ctx.copyAsync(tileA, base + row * 16 + half, a, (long) row * k + slice * 16 + half, 8);
        ctx.copyAsync(tileB, base + row * 16 + half, b, (long) (slice * 16 + row) * 16 + half, 8);
        ctx.asyncCommit();
    }

    /** packed[i] = the bf16 pair (values[2 i], values[2 i + 1]), one work-item each. */
    public static void packPairs(KernelContext ctx, FloatArray values, IntArray packed) {
        int i = ctx.globalIdx;
        if (i < packed.getSize()) {
            packed.set(i, TornadoMath.packBfloat16(values.get(2 * i), values.get(2 * i + 1)));
        }
    }

    /** The two 16 x 8 accumulator blocks into C row-major. */
    private static void storeBlock(KernelContext ctx, float[] acc, FloatArray c) {
        for (int j = 0; j < 2; j++) {
            for (int e = 0; e < 4; e++) {
                c.set(WarpTiles.accRow(ctx, e) * 16 + 8 * j + WarpTiles.accCol(ctx, e), acc[4 * j + e]);
            }
        }
    }
}
