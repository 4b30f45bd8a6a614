package dev.loris.tornado.gemm.clblast;

import dev.loris.tornado.gemm.VendorLibrary;
import dev.loris.tornado.runtime.NativeLibrary;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * libclblast's C API (clblast_c.h) through java.lang.foreign: the two single-precision GEMM entry points
 * Loris uses. Loaded once per process, on first use; {@link #loaded()} says why not when no CLBlast (1.5 or
 * later: the strided-batched GEMM appeared in 1.5.0) is installed.
 *
 * <p>Only f32: CLBlast's Hgemm computes and accumulates in half precision (its kernels declare
 * {@code typedef half real}), which breaks GemmShape's promise of f32 accumulation, and CLBlast has no bf16.
 * Both calls return a CLBlastStatusCode; they take the queue by pointer ({@code cl_command_queue*}) and
 * accept a NULL event (since CLBlast 0.7). size_t is 8 bytes: Loris runs on 64-bit hosts only.
 */
final class ClBlastLibrary {
    // clblast_c.h: CLBlastLayout and CLBlastTranspose.
    static final int LAYOUT_ROW_MAJOR = 101;
    static final int TRANSPOSE_NO = 111;
    static final int TRANSPOSE_YES = 112;

    private static final List<String> NAMES = List.of("libclblast.so.1", "libclblast.so", "clblast.dll",
            "libclblast.dylib");

    private final NativeLibrary library;
    private final MethodHandle sgemm;
    private final MethodHandle sgemmStridedBatched;

    private ClBlastLibrary(NativeLibrary library) {
        this.library = library;
        // CLBlastSgemm(layout, a_transpose, b_transpose, m, n, k, alpha, a, a_offset, a_ld, b, b_offset, b_ld,
        //              beta, c, c_offset, c_ld, queue*, event*)
        sgemm = library.function("CLBlastSgemm", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG,
                JAVA_LONG, JAVA_FLOAT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
        // CLBlastSgemmStridedBatched: the same with a stride after each ld, and batch_count before the queue.
        sgemmStridedBatched = library.function("CLBlastSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
    }

    /** The process's CLBlast, loaded on the first call, or why it is missing. */
    static VendorLibrary<ClBlastLibrary> loaded() {
        return Loaded.LIBRARY;
    }

    String libraryName() {
        return library.name();
    }

    /** Row-major C = alpha op(A) op(B) + beta C on the queue {@code queueSlot} points at; returns the status. */
    int sgemm(boolean transposeA, boolean transposeB, long m, long n, long k, float alpha,
              MemorySegment a, long offsetA, long lda, MemorySegment b, long offsetB, long ldb, float beta,
              MemorySegment c, long offsetC, long ldc, MemorySegment queueSlot) {
        try { // invokeExact without a lambda: GEMM calls must not allocate
            return (int) sgemm.invokeExact(LAYOUT_ROW_MAJOR, transpose(transposeA), transpose(transposeB), m, n, k,
                    alpha, a, offsetA, lda, b, offsetB, ldb, beta, c, offsetC, ldc, queueSlot, MemorySegment.NULL);
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
    }

    /** {@link #sgemm} over {@code batch} matrices, each {@code stride*} elements after the previous. */
    int sgemmStridedBatched(boolean transposeA, boolean transposeB, long m, long n, long k, float alpha,
                            MemorySegment a, long offsetA, long lda, long strideA,
                            MemorySegment b, long offsetB, long ldb, long strideB, float beta,
                            MemorySegment c, long offsetC, long ldc, long strideC, long batch,
                            MemorySegment queueSlot) {
        try {
            return (int) sgemmStridedBatched.invokeExact(LAYOUT_ROW_MAJOR, transpose(transposeA),
                    transpose(transposeB), m, n, k, alpha, a, offsetA, lda, strideA, b, offsetB, ldb, strideB, beta,
                    c, offsetC, ldc, strideC, batch, queueSlot, MemorySegment.NULL);
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
    }

    private static int transpose(boolean transpose) {
        return transpose ? TRANSPOSE_YES : TRANSPOSE_NO;
    }

    /** Loads the library the first time CLBlast is asked for, then never again. */
    private static final class Loaded {
        static final VendorLibrary<ClBlastLibrary> LIBRARY = VendorLibrary.load(NAMES, ClBlastLibrary::new,
                "libclblast.so.1 not found: install CLBlast (Debian/Ubuntu: apt install libclblast1)",
                "install CLBlast 1.5 or later");
    }
}
