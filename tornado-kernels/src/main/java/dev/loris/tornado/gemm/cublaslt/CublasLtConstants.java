package dev.loris.tornado.gemm.cublaslt;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The enum values and struct layouts of cuBLASLt that Loris passes across java.lang.foreign, each with where
 * it was checked. They are the C headers' numbers, unchanged from CUDA 11 to 13: cuBLASLt keeps them stable
 * because applications compiled against one minor release run on the next.
 *
 * <p>Sources: cublasLt.h and cublas_api.h of CUDA 12.6 (read in full); the enum pages of nvmath-python's
 * cuBLASLt and cuBLAS bindings ("latest", generated from the CUDA 13 headers: MatmulDescAttribute,
 * MatrixLayoutAttribute, MatmulPreferenceAttribute, ComputeType, CudaDataType); library_types.h values as
 * the cuQuantum/nvmath CudaDataType pages list them. Where CUDA 13 added members (the grouped-GEMM layout
 * attributes 8-13, preference attributes 13-15, COMPUTE_32F_EMULATED_16BFX9 = 78) none of the values below
 * moved.
 */
final class CublasLtConstants {
    private CublasLtConstants() {
    }

    // cublasStatus_t (cublas_api.h)
    static final int STATUS_SUCCESS = 0;
    static final int STATUS_NOT_SUPPORTED = 15;

    // cudaDataType_t (library_types.h)
    static final int CUDA_R_32F = 0;
    static final int CUDA_R_16F = 2;
    static final int CUDA_R_16BF = 14;

    // cublasComputeType_t (cublas_api.h): 32F is plain f32 arithmetic. Never 32F_FAST_TF32 (77),
    // 32F_FAST_16F (74) or 32F_FAST_16BF (75), which round f32 inputs down before multiplying.
    static final int COMPUTE_32F = 68;

    // cublasOperation_t (cublas_api.h)
    static final int OP_N = 0;
    static final int OP_T = 1;

    // cublasLtMatmulDescAttributes_t (cublasLt.h); the C type of each value in brackets.
    static final int DESC_TRANSA = 3;           // int32
    static final int DESC_TRANSB = 4;           // int32
    static final int DESC_EPILOGUE = 7;         // uint32, cublasLtEpilogue_t
    static final int DESC_BIAS_POINTER = 8;     // const void*
    static final int DESC_BIAS_DATA_TYPE = 26;  // int32, cudaDataType

    // cublasLtEpilogue_t (cublasLt.h)
    static final int EPILOGUE_DEFAULT = 1;
    static final int EPILOGUE_BIAS = 4;

    // cublasLtMatrixLayoutAttribute_t (cublasLt.h)
    static final int LAYOUT_BATCH_COUNT = 5;            // int32
    static final int LAYOUT_STRIDED_BATCH_OFFSET = 6;   // int64, in elements

    // cublasLtMatmulPreferenceAttributes_t (cublasLt.h)
    static final int PREF_MAX_WORKSPACE_BYTES = 1;      // uint64
    static final int PREF_REDUCTION_SCHEME_MASK = 3;    // uint32
    static final int PREF_MIN_ALIGNMENT_A_BYTES = 5;    // uint32, then B = 6, C = 7, D = 8

    // cublasLtReductionScheme_t (cublasLt.h): how split-K partial sums are combined. INPLACE (1) and
    // OUTPUT_TYPE (4) keep them in C's type, COMPUTE_TYPE (2) in f32.
    static final int REDUCTION_COMPUTE_TYPE = 2;
    static final int REDUCTION_ALL = 0x7;

    /** cublasLtMatmulAlgo_t: {@code uint64_t data[8]}, opaque. */
    static final long ALGO_BYTES = 64;

    /**
     * cublasLtMatmulHeuristicResult_t: {@code {cublasLtMatmulAlgo_t algo; size_t workspaceSize;
     * cublasStatus_t state; float wavesCount; int reserved[4];}}, 96 bytes, 8-byte aligned (64-bit hosts).
     */
    static final StructLayout HEURISTIC_RESULT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(8, JAVA_LONG).withName("algo"),
            JAVA_LONG.withName("workspaceSize"),
            JAVA_INT.withName("state"),
            JAVA_FLOAT.withName("wavesCount"),
            MemoryLayout.sequenceLayout(4, JAVA_INT).withName("reserved"));

    static final long RESULT_WORKSPACE_OFFSET = HEURISTIC_RESULT.byteOffset(
            MemoryLayout.PathElement.groupElement("workspaceSize"));
    static final long RESULT_STATE_OFFSET = HEURISTIC_RESULT.byteOffset(
            MemoryLayout.PathElement.groupElement("state"));
}
