package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.GemmBackend;
import dev.loris.tornado.gemm.GemmLibraryException;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout.PathElement;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The struct layouts, status names and algorithm keys of the cuBLASLt backend, checked without a GPU. */
class CublasLtNativeLayoutTest {

    @Test
    void heuristicResultMatchesTheHeader() {
        // cublasLt.h: {cublasLtMatmulAlgo_t algo (uint64_t[8]); size_t workspaceSize; cublasStatus_t state;
        // float wavesCount; int reserved[4];}
        assertEquals(96, CublasLtConstants.HEURISTIC_RESULT.byteSize());
        assertEquals(8, CublasLtConstants.HEURISTIC_RESULT.byteAlignment());
        assertEquals(CublasLtConstants.ALGO_BYTES,
                CublasLtConstants.HEURISTIC_RESULT.byteOffset(PathElement.groupElement("workspaceSize")));
        assertEquals(64, CublasLtConstants.RESULT_WORKSPACE_OFFSET);
        assertEquals(72, CublasLtConstants.RESULT_STATE_OFFSET);
        assertEquals(76, CublasLtConstants.HEURISTIC_RESULT.byteOffset(PathElement.groupElement("wavesCount")));
        assertEquals(80, CublasLtConstants.HEURISTIC_RESULT.byteOffset(PathElement.groupElement("reserved")));
    }

    @Test
    void statusCodesAreNamed() {
        GemmLibraryException e = CublasLtStatus.error("cublasLtMatmul", 15, "GEMM 2x2x2");
        assertEquals("cuBLASLt", e.library());
        assertEquals("CUBLAS_STATUS_NOT_SUPPORTED", e.codeName());
        assertEquals("cuBLASLt cublasLtMatmul failed: CUBLAS_STATUS_NOT_SUPPORTED (15): GEMM 2x2x2", e.getMessage());
        assertTrue(e.hint().contains("tiled"), e.hint());
        assertEquals("CUBLAS_STATUS_EXECUTION_FAILED", CublasLtStatus.name(13));
        assertEquals("CUBLAS_STATUS_INVALID_VALUE", CublasLtStatus.name(7));
        assertEquals("unknown cuBLAS status", CublasLtStatus.name(2));
    }

    @Test
    void algorithmKeysTellEveryVariantApart() {
        int[] alignments = {2, 4, 8, 16, 32, 64, 128, 256};
        int[] biasTypes = {-1, CublasLtConstants.CUDA_R_32F, CublasLtConstants.CUDA_R_16F, CublasLtConstants.CUDA_R_16BF};
        Set<Integer> keys = new HashSet<>();
        int variants = 0;
        for (int a : alignments) {
            for (int b : alignments) {
                for (int c : alignments) {
                    for (int bias : alignments) {
                        for (int type : biasTypes) {
                            keys.add(CublasLtPlan.algorithmKey(a, b, c, bias, type));
                            variants++;
                        }
                    }
                }
            }
        }
        assertEquals(variants, keys.size());
    }

    @Test
    void servesOnlyCudaDevices() {
        GemmBackend backend = new CublasLtBackend();
        assertEquals("cublaslt", backend.id());
        try (Accelerator jvm = Accelerator.open("jvm")) {
            String reason = backend.unavailableReason(jvm);
            assertNotNull(reason);
            assertTrue(reason.contains("CUDA"), reason);
            assertThrows(IllegalStateException.class, () -> backend.open(jvm));
        }
    }
}
