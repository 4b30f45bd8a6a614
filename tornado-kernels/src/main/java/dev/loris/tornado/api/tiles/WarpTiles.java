package dev.loris.tornado.api.tiles;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;

/**
 * Warp tiles for tensor-core kernels, in plain Java on top of KernelContext's fragment operations: a kernel
 * calls these static helpers and the compiler inlines them, so a tile kernel reads as ordinary Java while PTX
 * gets one {@code ldmatrix} or {@code mma.sync} per fragment (see docs/ARCHITECTURE.md, "Tensor-core tiles").
 *
 * <p>The model is ThunderKittens' register and shared tiles, at the size of PTX's m16n8k16 instruction:
 * <ul>
 *   <li>Shared tiles are 16-bit (bf16 or f16) local arrays, {@code ctx.allocateShortLocalArray}, holding a
 *       matrix row-major with a row stride that is a multiple of 8 (16-byte rows for ldmatrix; pad by 8 to
 *       spread rows over the banks). An operand tile is either k-contiguous (rows along the output dimension,
 *       k within a row) or k-major (rows along k), so every transpose is served by one of the two
 *       {@code ldmatrix} forms.</li>
 *   <li>Register tiles are a warp's accumulator: {@code float[] acc = new float[4 * tilesM * tilesN]} for a
 *       (16 tilesM) x (8 tilesN) block, block (i, j) at {@code acc[4 (i tilesN + j)]}, element e (0..3) of it
 *       at row {@link #accRow} and column {@link #accCol}. Operand fragments are {@code int[]}: 4 registers
 *       per 16 x 16 block of A, 2 per 16 x 8 block of B.</li>
 * </ul>
 * Every index into a fragment array must fold to a constant (loops with constant bounds, which the compiler
 * unrolls): on PTX the arrays are registers.
 */
public final class WarpTiles {
    private WarpTiles() {
    }

    /** Position of the work-item in its warp (0..31); warps are consecutive linear local ids. */
    public static int lane(KernelContext ctx) {
        return linearLocalId(ctx) % KernelContext.WARP_SIZE;
    }

    /** Which warp of the work-group the work-item is in. */
    public static int warp(KernelContext ctx) {
        return linearLocalId(ctx) / KernelContext.WARP_SIZE;
    }

    private static int linearLocalId(KernelContext ctx) {
        return ctx.localIdx + ctx.localGroupSizeX * (ctx.localIdy + ctx.localGroupSizeY * ctx.localIdz);
    }

    /**
     * The A fragment (4 registers at {@code frag[at]}) of the 16 x 16 block of a tile at rows row0.., k0..:
     * element (r, k) of the block is {@code tile[base + r * stride + k]} when {@code kContiguous}, else
     * {@code tile[base + k * stride + r]}. One {@code ldmatrix.x4}; its matrices are the quarters (rows 0-7,
     * k 0-7), (rows 8-15, k 0-7), (rows 0-7, k 8-15), (rows 8-15, k 8-15), the order of A's registers.
     */
    public static void loadA(KernelContext ctx, int[] frag, int at, short[] tile, int base, int stride,
                             boolean kContiguous, int row0, int k0) {
        int lane = lane(ctx);
        int matrix = lane / 8;
        int outer = row0 + (matrix % 2) * 8;
        int k = k0 + (matrix / 2) * 8;
        loadQuarters(ctx, frag, at, tile, base, stride, kContiguous, outer, k, lane % 8);
    }

    /**
     * The B fragments of two 16 x 8 blocks (columns col0..col0+7 at {@code frag[at]}, col0+8..col0+15 at
     * {@code frag[at + 2]}) of a tile at k0..: element (k, c) is {@code tile[base + c * stride + k]} when
     * {@code kContiguous} (B stored transposed, as a linear layer's weight (out, in)), else
     * {@code tile[base + k * stride + c]}. One {@code ldmatrix.x4} of the quarters (cols 0-7, k 0-7),
     * (cols 0-7, k 8-15), (cols 8-15, k 0-7), (cols 8-15, k 8-15).
     */
    public static void loadB(KernelContext ctx, int[] frag, int at, short[] tile, int base, int stride,
                             boolean kContiguous, int col0, int k0) {
        int lane = lane(ctx);
        int matrix = lane / 8;
        int outer = col0 + (matrix / 2) * 8;
        int k = k0 + (matrix % 2) * 8;
        loadQuarters(ctx, frag, at, tile, base, stride, kContiguous, outer, k, lane % 8);
    }

    /**
     * This lane supplies row {@code row} (0..7) of its 8 x 8 matrix at (outer, k): along k when k is
     * contiguous (a plain load gives each lane two k values), else along the outer dimension, where the
     * transposing load gives each lane the same two k values of its column.
     */
    private static void loadQuarters(KernelContext ctx, int[] frag, int at, short[] tile, int base, int stride,
                                     boolean kContiguous, int outer, int k, int row) {
        // base added last: loads that differ only in a constant base share the lane's index, and PTX adds the
        // constant in the address ([index + offset]) instead of keeping one index register per load.
        if (kContiguous) {
            ctx.loadMatrix(frag, at, tile, (outer + row) * stride + k + base, 4);
        } else {
            ctx.loadMatrixTransposed(frag, at, tile, (k + row) * stride + outer + base, 4);
        }
    }

    /**
     * acc += A * B over one k step of 16 for a (16 tilesM) x (8 tilesN) accumulator: A fragments for the
     * tilesM row blocks at {@code a[4 i]}, B fragments for the tilesN column blocks at {@code b[2 j]}.
     */
    public static void mma(KernelContext ctx, float[] acc, int[] a, int[] b, int tilesM, int tilesN, boolean bf16) {
        for (int i = 0; i < tilesM; i++) {
            for (int j = 0; j < tilesN; j++) {
                if (bf16) {
                    ctx.mmaBf16(acc, 4 * (i * tilesN + j), a, 4 * i, b, 2 * j);
                } else {
                    ctx.mmaF16(acc, 4 * (i * tilesN + j), a, 4 * i, b, 2 * j);
                }
            }
        }
    }

    /** Row (0..15) within its 16 x 8 block of accumulator element e (0..3) of this lane. */
    public static int accRow(KernelContext ctx, int e) {
        return lane(ctx) / 4 + 8 * (e / 2);
    }

    /** Column (0..7) within its 16 x 8 block of accumulator element e (0..3) of this lane. */
    public static int accCol(KernelContext ctx, int e) {
        return 2 * (lane(ctx) % 4) + e % 2;
    }

    /** Sets every accumulator element to {@code value}. */
    public static void fill(float[] acc, float value) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] = value;
        }
    }

    /**
     * A (16 x 16 blocks) accumulator as A fragments: the 16 x (16 blocks) accumulator {@code acc} (blocks of
     * 16 x 8 at acc[4 j]) rounded to bf16 or f16 into {@code frag} (A block c at frag[4 c]), so P or dS feeds
     * the next product from registers (FlashAttention-2's P V).
     */
    public static void accumulatorAsA(float[] acc, int[] frag, int blocks, boolean bf16) {
        for (int c = 0; c < blocks; c++) {
            frag[4 * c] = pack(acc[8 * c], acc[8 * c + 1], bf16);
            frag[4 * c + 1] = pack(acc[8 * c + 2], acc[8 * c + 3], bf16);
            frag[4 * c + 2] = pack(acc[8 * c + 4], acc[8 * c + 5], bf16);
            frag[4 * c + 3] = pack(acc[8 * c + 6], acc[8 * c + 7], bf16);
        }
    }

    /**
     * Two values as one A register (low = the lower k), rounded to bf16 or f16: how an accumulator becomes
     * the A operand of the next product without leaving registers. The accumulator elements e = 0, 1 of
     * block (i, j) and (i, j + 1) are A register 0 and 2 of the 16 x 16 block (i, j / 2); e = 2, 3 are 1 and 3.
     */
    public static int pack(float low, float high, boolean bf16) {
        if (bf16) {
            return TornadoMath.packBfloat16(low, high); // one instruction on PTX; NaN gives 0x7FFF
        }
        return (Float.floatToFloat16(low) & 0xFFFF) | (Float.floatToFloat16(high) << 16);
    }
}
