package dev.loris.tornado.api.tiles;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;

/**
 * The tensor-core operations of {@link KernelContext} written with warp shuffles: the definition the JVM runs
 * and OpenCL compiles (the front end inlines these bodies where a device has no matrix instruction), while PTX
 * uses {@code mma.sync}, {@code ldmatrix} and {@code cp.async}. Kernels call the KernelContext methods, not
 * these.
 *
 * <p>Fragment layouts are PTX's for {@code mma.m16n8k16} with row-major A and column-major B (PTX ISA,
 * "Matrix Fragments for mma.m16n8k16"), with g = lane / 4 and t = lane % 4 (low half of a register first):
 * A registers 0..3 hold A[g][2t, 2t+1], A[g+8][2t, 2t+1], A[g][2t+8, 2t+9], A[g+8][2t+8, 2t+9];
 * B registers 0, 1 hold B[2t, 2t+1][g], B[2t+8, 2t+9][g]; accumulators 0..3 are D[g][2t], D[g][2t+1],
 * D[g+8][2t], D[g+8][2t+1].
 *
 * <p>Arithmetic: each product of two 16-bit values is exact in f32, and the 16 are added to D in k order by
 * fma, one rounding each. Tensor cores add them in an unspecified order with their own internal rounding, so
 * devices agree with this to f32 accumulation error, not bit for bit.
 */
public final class PortableTiles {
    private PortableTiles() {
    }

    public static void mmaBf16(KernelContext ctx, float[] acc, int accAt, int[] a, int aAt, int[] b, int bAt) {
        mma(ctx, acc, accAt, a, aAt, b, bAt, true);
    }

    public static void mmaF16(KernelContext ctx, float[] acc, int accAt, int[] a, int aAt, int[] b, int bAt) {
        mma(ctx, acc, accAt, a, aAt, b, bAt, false);
    }

    /**
     * One k pair (2p, 2p+1) at a time: the lane fetches the A register of rows g and g+8 from lane 4g + p % 4
     * and the B register of columns 2t and 2t+1 from lanes 8t + p % 4 and 8t + 4 + p % 4: four shuffles per
     * pair, each lane offering the same register number, as a shuffle requires.
     */
    private static void mma(KernelContext ctx, float[] acc, int accAt, int[] a, int aAt, int[] b, int bAt,
                            boolean bf16) {
        int lane = lane(ctx);
        int g = lane / 4;
        int t = lane % 4;
        float d0 = acc[accAt];
        float d1 = acc[accAt + 1];
        float d2 = acc[accAt + 2];
        float d3 = acc[accAt + 3];
        for (int pair = 0; pair < 8; pair++) {
            int aRegister = pair < 4 ? 0 : 2;
            int bRegister = pair < 4 ? 0 : 1;
            int quadLane = pair % 4;
            int top = ctx.simdShuffle(a[aAt + aRegister], 4 * g + quadLane);
            int bottom = ctx.simdShuffle(a[aAt + aRegister + 1], 4 * g + quadLane);
            int left = ctx.simdShuffle(b[bAt + bRegister], 4 * (2 * t) + quadLane);
            int right = ctx.simdShuffle(b[bAt + bRegister], 4 * (2 * t + 1) + quadLane);
            d0 = TornadoMath.fma(low(top, bf16), low(left, bf16), d0);
            d0 = TornadoMath.fma(high(top, bf16), high(left, bf16), d0);
            d1 = TornadoMath.fma(low(top, bf16), low(right, bf16), d1);
            d1 = TornadoMath.fma(high(top, bf16), high(right, bf16), d1);
            d2 = TornadoMath.fma(low(bottom, bf16), low(left, bf16), d2);
            d2 = TornadoMath.fma(high(bottom, bf16), high(left, bf16), d2);
            d3 = TornadoMath.fma(low(bottom, bf16), low(right, bf16), d3);
            d3 = TornadoMath.fma(high(bottom, bf16), high(right, bf16), d3);
        }
        acc[accAt] = d0;
        acc[accAt + 1] = d1;
        acc[accAt + 2] = d2;
        acc[accAt + 3] = d3;
    }

    /** The low 16-bit value of a packed register as f32. */
    private static float low(int packed, boolean bf16) {
        return bf16 ? Float.intBitsToFloat(packed << 16) : Float.float16ToFloat((short) packed);
    }

    private static float high(int packed, boolean bf16) {
        return bf16 ? Float.intBitsToFloat(packed & 0xFFFF0000) : Float.float16ToFloat((short) (packed >>> 16));
    }

    /** Row l / 4 of each matrix, from the row start lane 8j + l / 4 gave. */
    public static void loadMatrix(KernelContext ctx, int[] fragments, int at, short[] local, int rowIndex, int count) {
        int lane = lane(ctx);
        int column = 2 * (lane % 4);
        for (int j = 0; j < count; j++) {
            int row = ctx.simdShuffle(rowIndex, 8 * j + lane / 4);
            fragments[at + j] = pack(local[row + column], local[row + column + 1]);
        }
    }

    /** Column l / 4 of rows 2(l % 4) and 2(l % 4) + 1 of each matrix. */
    public static void loadMatrixTransposed(KernelContext ctx, int[] fragments, int at, short[] local, int rowIndex,
                                            int count) {
        int lane = lane(ctx);
        int column = lane / 4;
        for (int j = 0; j < count; j++) {
            int upper = ctx.simdShuffle(rowIndex, 8 * j + 2 * (lane % 4));
            int lower = ctx.simdShuffle(rowIndex, 8 * j + 2 * (lane % 4) + 1);
            fragments[at + j] = pack(local[upper + column], local[lower + column]);
        }
    }

    /** The copy at once: devices without cp.async have nothing to overlap it with. */
    public static void copyAsync(KernelContext ctx, short[] local, int localIndex, BFloat16Array global,
                                 long globalIndex, int count) {
        for (int e = 0; e < 8; e++) {
            short value = 0;
            if (e < count) {
                value = global.get(globalIndex + e);
            }
            local[localIndex + e] = value;
        }
    }

    public static void copyAsync(KernelContext ctx, short[] local, int localIndex, HalfFloatArray global,
                                 long globalIndex, int count) {
        for (int e = 0; e < 8; e++) {
            short value = 0;
            if (e < count) {
                value = global.getBits(globalIndex + e);
            }
            local[localIndex + e] = value;
        }
    }

    /** Copies complete at once, so there is nothing to group or wait for. */
    public static void asyncCommit(KernelContext ctx) {
    }

    public static void asyncWait(KernelContext ctx, int pendingGroups) {
    }

    private static int pack(short low, short high) {
        return (low & 0xFFFF) | (high << 16);
    }

    private static int lane(KernelContext ctx) {
        return (ctx.localIdx + ctx.localGroupSizeX * (ctx.localIdy + ctx.localGroupSizeY * ctx.localIdz))
                % KernelContext.WARP_SIZE;
    }
}
