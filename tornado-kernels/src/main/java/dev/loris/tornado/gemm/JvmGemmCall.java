package dev.loris.tornado.gemm;

import java.lang.foreign.MemorySegment;

import static dev.loris.tornado.gemm.JvmGemmKernel.MR;
import static dev.loris.tornado.gemm.JvmGemmKernel.NR;

/**
 * One {@link JvmGemm} call cut into independent tiles of C, and the work of one tile. A tile is up to
 * {@link #MC} rows by {@link #NC} columns of one batch entry; for each depth block of up to {@link #KC} it
 * packs its slices of A and B ({@link JvmGemmPacking}) and runs the register kernel over them in the
 * classic order (each B panel stays in L1 while the A panels of the tile, in L2, pass under it), summing
 * in an f32 tile; then the epilogue writes C once. Tiles share nothing, so any thread may run any tile;
 * the price is that B is packed once per row tile (a 1/MC share of the work) instead of once per call.
 *
 * <p>Mutable and reused call after call (so a call allocates nothing): {@link #set} fills it in, the
 * workers only read it.
 */
final class JvmGemmCall {
    /**
     * Rows of C per tile: A's packed block (MC x KC floats, 256 KiB at 8 rows per panel) is meant to stay
     * in L2; B is packed once per row tile, so taller tiles pack it less often.
     */
    static final int MC = 32 * MR;
    /** Columns of C per tile: B's packed block (KC x NC, 512 KiB) in L2 or the near L3. */
    static final int NC = 512;
    /** Depth per block: one B panel (KC x NR floats, 32 KiB at 512 bits) fits L1. */
    static final int KC = 256;

    /** Packed panels and the f32 sums of one worker, grown to the largest tile seen, never shrunk. */
    static final class Workspace {
        float[] a = new float[0];
        float[] b = new float[0];
        float[] acc = new float[0];
        /** Converted runs before they are dealt out to panels. */
        float[] scratch = new float[0];
        final int[] index = new int[JvmGemmKernel.LANES];

        void ensure(int aFloats, int bFloats, int accFloats, int scratchFloats) {
            if (scratch.length < scratchFloats) {
                scratch = new float[scratchFloats];
            }
            if (a.length < aFloats) {
                a = new float[aFloats];
            }
            if (b.length < bFloats) {
                b = new float[bFloats];
            }
            if (acc.length < accFloats) {
                acc = new float[accFloats];
            }
        }
    }

    private GemmShape shape;
    private float alpha;
    private float beta;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;
    private long offsetA;
    private long offsetB;
    private long offsetC;
    private float[] bias;
    private int mc;
    private int nc;
    private int kc;
    private int rowTiles;
    private int columnTiles;

    /** Takes one call's operands (bias already converted to f32, or null) and cuts C for {@code threads}. */
    void set(GemmShape s, float alpha, MemorySegment a, long offsetA, MemorySegment b, long offsetB, float beta,
             MemorySegment c, long offsetC, float[] bias, int threads) {
        this.shape = s;
        this.alpha = alpha;
        this.beta = beta;
        this.a = a;
        this.b = b;
        this.c = c;
        this.offsetA = offsetA;
        this.offsetB = offsetB;
        this.offsetC = offsetC;
        this.bias = bias;
        int depthBlocks = ceilDiv(s.k(), KC);
        kc = ceilDiv(s.k(), depthBlocks); // even blocks: no thin last block
        mc = Math.min(MC, roundUp(s.m(), MR));
        nc = Math.min(NC, roundUp(s.n(), NR));
        // Enough tiles to keep every thread busy to the end: narrower tiles first (A is packed per column
        // tile, a 1/nc share), then shorter ones, never below a few kernel blocks.
        while (cut() < 2 * threads && (nc > 4 * NR || mc > 4 * MR)) {
            if (nc > 4 * NR) {
                nc = roundUp(nc / 2, NR);
            } else {
                mc = roundUp(mc / 2, MR);
            }
        }
    }

    /** How many tiles {@link #set} cut C into. */
    int tiles() {
        return shape.batch() * rowTiles * columnTiles;
    }

    /** Counts the tiles of the current mc and nc. */
    private int cut() {
        rowTiles = ceilDiv(shape.m(), mc);
        columnTiles = ceilDiv(shape.n(), nc);
        return tiles();
    }

    /** Computes tile {@code t}: tiles run along m first, so threads busy at once read the same slice of B. */
    void runTile(int t, Workspace w) {
        int perBatch = rowTiles * columnTiles;
        int batch = t / perBatch;
        int i0 = (t % perBatch) % rowTiles * mc;
        int j0 = (t % perBatch) / rowTiles * nc;
        int rows = Math.min(mc, shape.m() - i0);
        int cols = Math.min(nc, shape.n() - j0);
        int rowsPadded = roundUp(rows, MR);
        int colsPadded = roundUp(cols, NR);
        w.ensure(mc * kc, kc * nc, mc * nc, Math.max(Math.max(mc, nc), NR * kc));
        long baseA = offsetA + batch * shape.strideA();
        long baseB = offsetB + batch * shape.strideB();
        for (int p0 = 0; p0 < shape.k(); p0 += kc) {
            int depth = Math.min(kc, shape.k() - p0);
            JvmGemmPacking.pack(w.b, NR, b, shape.typeB(), baseB, shape.ldb(), !shape.transposeB(), j0, cols,
                    p0, depth, w.scratch, w.index);
            JvmGemmPacking.pack(w.a, MR, a, shape.typeA(), baseA, shape.lda(), shape.transposeA(), i0, rows,
                    p0, depth, w.scratch, w.index);
            for (int jr = 0; jr < colsPadded; jr += NR) {
                for (int ir = 0; ir < rowsPadded; ir += MR) {
                    JvmGemmKernel.multiplyBlock(w.a, ir * depth, w.b, jr * depth, depth, w.acc,
                            ir * colsPadded + jr, colsPadded, p0 > 0);
                }
            }
        }
        long c0 = offsetC + batch * shape.strideC() + i0 * shape.ldc() + j0;
        JvmGemmEpilogue.store(w.acc, colsPadded, rows, cols, alpha, beta, bias, j0, c, shape.typeC(), c0,
                shape.ldc());
    }

    /** Drops the references to the call's memory, so a finished call keeps no array reachable. */
    void clear() {
        a = null;
        b = null;
        c = null;
        bias = null;
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int multiple) {
        return ceilDiv(x, multiple) * multiple;
    }
}
