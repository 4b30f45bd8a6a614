package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.GemmLibraryException;

import java.util.Map;

import static java.util.Map.entry;

/**
 * Names of cublasStatus_t values (cublas_api.h, the same in CUDA 11 to 13) and what a user can do about
 * them. A table rather than cublasLtGetStatusName, so that errors are named even when the call that failed
 * was the one loading the library, and so that it is testable without a GPU.
 */
final class CublasLtStatus {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            entry(0, "CUBLAS_STATUS_SUCCESS"),
            entry(1, "CUBLAS_STATUS_NOT_INITIALIZED"),
            entry(3, "CUBLAS_STATUS_ALLOC_FAILED"),
            entry(7, "CUBLAS_STATUS_INVALID_VALUE"),
            entry(8, "CUBLAS_STATUS_ARCH_MISMATCH"),
            entry(11, "CUBLAS_STATUS_MAPPING_ERROR"),
            entry(13, "CUBLAS_STATUS_EXECUTION_FAILED"),
            entry(14, "CUBLAS_STATUS_INTERNAL_ERROR"),
            entry(15, "CUBLAS_STATUS_NOT_SUPPORTED"),
            entry(16, "CUBLAS_STATUS_LICENSE_ERROR"));

    private CublasLtStatus() {
    }

    static String name(int code) {
        return NAMES.getOrDefault(code, "unknown cuBLAS status");
    }

    static String hint(int code) {
        return switch (code) {
            case 1 -> "cuBLASLt could not initialise: check that the CUDA driver is newer than the cuBLAS library";
            case 3 -> "cuBLASLt could not allocate host or device memory: free GPU memory or use smaller batches";
            case 8 -> "this GPU is too old for the installed cuBLASLt: use another GEMM backend (the tiled kernel)";
            case 13 -> "a cuBLASLt kernel failed on the GPU; the context may be unusable until Loris restarts";
            case 15 -> "cuBLASLt has no kernel for this combination of types, transposes and alignments: use"
                    + " another GEMM backend (the tiled kernel)";
            case 7, 14 -> "Loris passed cuBLASLt something it rejects: report it with --debug output";
            default -> "";
        };
    }

    /** The exception for a failed call; {@code detail} names the GEMM. */
    static GemmLibraryException error(String call, int code, String detail) {
        return new GemmLibraryException("cuBLASLt", call, code, name(code), detail, hint(code));
    }
}
