package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.GemmShape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The cuBLASLt objects for one {@link GemmShape}, made on its first use and kept until the Gemm closes: the
 * matmul descriptor (f32 compute and scale, transposes, epilogue) and the A, B and C/D layouts of its
 * {@link CublasLtProblem}, plus the algorithms the heuristic chose, one per {@link #algorithmKey} (operand
 * alignments and bias type), so a repeated call makes no cuBLASLt object and asks no heuristic.
 */
final class CublasLtPlan implements AutoCloseable {
    private final CublasLtLibrary library;
    final MemorySegment desc;
    final MemorySegment layoutA;
    final MemorySegment layoutB;
    final MemorySegment layoutC;
    private final AlgorithmSlots algorithms = new AlgorithmSlots();
    /** Holds the heuristic results the algorithms point into. */
    private final Arena arena = Arena.ofShared();

    CublasLtPlan(CublasLtLibrary library, GemmShape shape) {
        this.library = library;
        CublasLtProblem problem = CublasLtProblem.of(shape);
        MemorySegment madeDesc = null;
        MemorySegment madeA = null;
        MemorySegment madeB = null;
        try {
            madeDesc = library.createMatmulDesc(CublasLtConstants.COMPUTE_32F, CublasLtConstants.CUDA_R_32F);
            library.setDescInt(madeDesc, CublasLtConstants.DESC_TRANSA, problem.transa());
            library.setDescInt(madeDesc, CublasLtConstants.DESC_TRANSB, problem.transb());
            library.setDescInt(madeDesc, CublasLtConstants.DESC_EPILOGUE,
                    shape.bias() ? CublasLtConstants.EPILOGUE_BIAS : CublasLtConstants.EPILOGUE_DEFAULT);
            madeA = layout(problem.a());
            madeB = layout(problem.b());
            this.layoutC = layout(problem.c());
        } catch (RuntimeException e) {
            destroy(madeDesc, madeA, madeB, null);
            arena.close();
            throw e;
        }
        this.desc = madeDesc;
        this.layoutA = madeA;
        this.layoutB = madeB;
    }

    /**
     * The key of an algorithm choice: log2 of each operand's alignment (A, B, C and bias; 0 to 8, four bits
     * each) and the bias's cudaDataType (+1, so "no bias" is 0). Everything else the heuristic sees is the
     * shape's.
     */
    static int algorithmKey(int alignA, int alignB, int alignC, int alignBias, int biasDataType) {
        return log2(alignA) | log2(alignB) << 4 | log2(alignC) << 8 | log2(alignBias) << 12
                | (biasDataType + 1) << 16;
    }

    /** The algorithm chosen for {@code key}, or null before one was. */
    MemorySegment algorithm(int key) {
        return algorithms.get(key);
    }

    /** A heuristic result slot that lives as long as this plan. */
    MemorySegment newResult() {
        return arena.allocate(CublasLtConstants.HEURISTIC_RESULT);
    }

    void putAlgorithm(int key, MemorySegment algorithm) {
        algorithms.put(key, algorithm);
    }

    private MemorySegment layout(CublasLtProblem.Operand operand) {
        MemorySegment layout = library.createLayout(operand.dataType(), operand.rows(), operand.cols(), operand.ld());
        try {
            library.setLayoutInt(layout, CublasLtConstants.LAYOUT_BATCH_COUNT, operand.batch());
            library.setLayoutLong(layout, CublasLtConstants.LAYOUT_STRIDED_BATCH_OFFSET, operand.stride());
            return layout;
        } catch (RuntimeException e) {
            library.destroyLayout(layout);
            throw e;
        }
    }

    private static int log2(int powerOfTwo) {
        return Integer.numberOfTrailingZeros(powerOfTwo);
    }

    @Override
    public void close() {
        try {
            destroy(desc, layoutA, layoutB, layoutC);
        } finally {
            arena.close();
        }
    }

    private void destroy(MemorySegment matmulDesc, MemorySegment a, MemorySegment b, MemorySegment c) {
        if (matmulDesc != null) {
            library.destroyMatmulDesc(matmulDesc);
        }
        for (MemorySegment layout : new MemorySegment[] {a, b, c}) {
            if (layout != null) {
                library.destroyLayout(layout);
            }
        }
    }
}
