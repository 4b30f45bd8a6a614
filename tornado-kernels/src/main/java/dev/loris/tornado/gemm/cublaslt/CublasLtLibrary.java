package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.VendorLibrary;
import dev.loris.tornado.runtime.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static dev.loris.tornado.runtime.NativeLibrary.call;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * libcublasLt (CUDA 13 or 12) through java.lang.foreign: handles, matmul descriptors, matrix layouts,
 * preferences, the algorithm heuristic and cublasLtMatmul. Loaded once per process, on first use; {@link #loaded()}
 * says why not when it does not load.
 *
 * <p>Setup calls throw a {@link dev.loris.tornado.gemm.GemmLibraryException} naming the call and the status.
 * The two calls of every GEMM ({@link #matmul} and {@link #setDescAttribute}) return the status instead and
 * call invokeExact directly, so a steady-state GEMM allocates nothing. Device pointers (A, B, C, D, the
 * workspace) are declared as 64-bit integers: on the 64-bit hosts Loris runs on they travel in the same
 * registers as a {@code void*}, and a CUdeviceptr is a 64-bit integer already.
 */
final class CublasLtLibrary {
    private static final List<String> NAMES = List.of("libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so",
            "cublasLt64_13.dll", "cublasLt64_12.dll");

    private final NativeLibrary library;
    private final MethodHandle create;
    private final MethodHandle destroy;
    private final MethodHandle getVersion;
    private final MethodHandle descCreate;
    private final MethodHandle descDestroy;
    private final MethodHandle descSetAttribute;
    private final MethodHandle layoutCreate;
    private final MethodHandle layoutDestroy;
    private final MethodHandle layoutSetAttribute;
    private final MethodHandle preferenceCreate;
    private final MethodHandle preferenceDestroy;
    private final MethodHandle preferenceSetAttribute;
    private final MethodHandle algoGetHeuristic;
    private final MethodHandle matmul;

    private CublasLtLibrary(NativeLibrary library) {
        this.library = library;
        FunctionDescriptor onHandle = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        FunctionDescriptor setAttribute = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG);
        create = library.function("cublasLtCreate", onHandle);
        destroy = library.function("cublasLtDestroy", onHandle);
        getVersion = library.function("cublasLtGetVersion", FunctionDescriptor.of(JAVA_LONG));
        // (cublasLtMatmulDesc_t*, cublasComputeType_t, cudaDataType_t scaleType)
        descCreate = library.function("cublasLtMatmulDescCreate",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        descDestroy = library.function("cublasLtMatmulDescDestroy", onHandle);
        descSetAttribute = library.function("cublasLtMatmulDescSetAttribute", setAttribute);
        // (cublasLtMatrixLayout_t*, cudaDataType, uint64_t rows, uint64_t cols, int64_t ld)
        layoutCreate = library.function("cublasLtMatrixLayoutCreate",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        layoutDestroy = library.function("cublasLtMatrixLayoutDestroy", onHandle);
        layoutSetAttribute = library.function("cublasLtMatrixLayoutSetAttribute", setAttribute);
        preferenceCreate = library.function("cublasLtMatmulPreferenceCreate", onHandle);
        preferenceDestroy = library.function("cublasLtMatmulPreferenceDestroy", onHandle);
        preferenceSetAttribute = library.function("cublasLtMatmulPreferenceSetAttribute", setAttribute);
        // (handle, desc, Adesc, Bdesc, Cdesc, Ddesc, preference, int requested, results[], int* returned)
        algoGetHeuristic = library.function("cublasLtMatmulAlgoGetHeuristic", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        // (handle, desc, alpha*, A, Adesc, B, Bdesc, beta*, C, Cdesc, D, Ddesc, algo*, workspace, bytes, stream)
        matmul = library.function("cublasLtMatmul", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS,
                JAVA_LONG, JAVA_LONG, ADDRESS));
    }

    /** The process's cuBLASLt, loaded on the first call, or why it is missing. */
    static VendorLibrary<CublasLtLibrary> loaded() {
        return Loaded.LIBRARY;
    }

    String libraryName() {
        return library.name();
    }

    /** "13.0.2": cublasLtGetVersion is major * 10000 + minor * 100 + patch. */
    String version() {
        try {
            long version = (long) getVersion.invokeExact();
            return version / 10000 + "." + version / 100 % 100 + "." + version % 100;
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
    }

    // ---- objects: each create returns the new handle, each destroy checks ---------------------------------

    MemorySegment createHandle() {
        return created("cublasLtCreate", out -> (int) create.invokeExact(out));
    }

    void destroyHandle(MemorySegment handle) {
        check("cublasLtDestroy", call(() -> (int) destroy.invokeExact(handle)));
    }

    MemorySegment createMatmulDesc(int computeType, int scaleType) {
        return created("cublasLtMatmulDescCreate", out -> (int) descCreate.invokeExact(out, computeType, scaleType));
    }

    void destroyMatmulDesc(MemorySegment desc) {
        check("cublasLtMatmulDescDestroy", call(() -> (int) descDestroy.invokeExact(desc)));
    }

    MemorySegment createLayout(int dataType, long rows, long cols, long ld) {
        return created("cublasLtMatrixLayoutCreate",
                out -> (int) layoutCreate.invokeExact(out, dataType, rows, cols, ld));
    }

    void destroyLayout(MemorySegment layout) {
        check("cublasLtMatrixLayoutDestroy", call(() -> (int) layoutDestroy.invokeExact(layout)));
    }

    MemorySegment createPreference() {
        return created("cublasLtMatmulPreferenceCreate", out -> (int) preferenceCreate.invokeExact(out));
    }

    void destroyPreference(MemorySegment preference) {
        check("cublasLtMatmulPreferenceDestroy", call(() -> (int) preferenceDestroy.invokeExact(preference)));
    }

    // ---- attributes ----------------------------------------------------------------------------------

    /** An int32/uint32 attribute of a matmul descriptor. */
    void setDescInt(MemorySegment desc, int attribute, int value) {
        setScalar("cublasLtMatmulDescSetAttribute", 4, value,
                (buf, bytes) -> (int) descSetAttribute.invokeExact(desc, attribute, buf, bytes));
    }

    /** Any attribute of a matmul descriptor from {@code buf}; returns the status (per-GEMM path). */
    int setDescAttribute(MemorySegment desc, int attribute, MemorySegment buf, long bytes) {
        try {
            return (int) descSetAttribute.invokeExact(desc, attribute, buf, bytes);
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
    }

    void setLayoutInt(MemorySegment layout, int attribute, int value) {
        setScalar("cublasLtMatrixLayoutSetAttribute", 4, value,
                (buf, bytes) -> (int) layoutSetAttribute.invokeExact(layout, attribute, buf, bytes));
    }

    void setLayoutLong(MemorySegment layout, int attribute, long value) {
        setScalar("cublasLtMatrixLayoutSetAttribute", 8, value,
                (buf, bytes) -> (int) layoutSetAttribute.invokeExact(layout, attribute, buf, bytes));
    }

    void setPreferenceInt(MemorySegment preference, int attribute, int value) {
        setScalar("cublasLtMatmulPreferenceSetAttribute", 4, value,
                (buf, bytes) -> (int) preferenceSetAttribute.invokeExact(preference, attribute, buf, bytes));
    }

    void setPreferenceLong(MemorySegment preference, int attribute, long value) {
        setScalar("cublasLtMatmulPreferenceSetAttribute", 8, value,
                (buf, bytes) -> (int) preferenceSetAttribute.invokeExact(preference, attribute, buf, bytes));
    }

    // ---- the heuristic and the multiply -------------------------------------------------------------------

    /**
     * Asks for the best algorithm into {@code result} (one cublasLtMatmulHeuristicResult_t); returns how many
     * it wrote, 0 or 1. C and D share {@code cLayout}.
     */
    int algoGetHeuristic(MemorySegment handle, MemorySegment desc, MemorySegment aLayout, MemorySegment bLayout,
                         MemorySegment cLayout, MemorySegment preference, MemorySegment result) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment returned = arena.allocate(JAVA_INT);
            check("cublasLtMatmulAlgoGetHeuristic", call(() -> (int) algoGetHeuristic.invokeExact(handle, desc,
                    aLayout, bLayout, cLayout, cLayout, preference, 1, result, returned)));
            return returned.get(JAVA_INT, 0);
        }
    }

    /** D = alpha op(A) op(B) + beta C with D = C in place; returns the status. */
    int matmul(MemorySegment handle, MemorySegment desc, MemorySegment alpha, long a, MemorySegment aLayout,
               long b, MemorySegment bLayout, MemorySegment beta, long c, MemorySegment cLayout,
               MemorySegment algo, long workspace, long workspaceBytes, MemorySegment stream) {
        try {
            return (int) matmul.invokeExact(handle, desc, alpha, a, aLayout, b, bLayout, beta, c, cLayout, c,
                    cLayout, algo, workspace, workspaceBytes, stream);
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
    }

    // ---- plumbing ------------------------------------------------------------------------------------

    /** A cublasLt*Create call, which writes the new handle through its pointer argument. */
    @FunctionalInterface
    private interface CreateCall {
        int invoke(MemorySegment out) throws Throwable;
    }

    /** A set-attribute call with its object and attribute bound, given the value's buffer and size. */
    @FunctionalInterface
    private interface SetCall {
        int invoke(MemorySegment buf, long bytes) throws Throwable;
    }

    private static MemorySegment created(String callName, CreateCall create) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check(callName, call(() -> create.invoke(out)));
            return out.get(ADDRESS, 0);
        }
    }

    /** Sets a 4-byte (int32, uint32, enum) or 8-byte (int64, uint64) attribute to {@code value}. */
    private static void setScalar(String callName, int bytes, long value, SetCall set) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(JAVA_LONG);
            if (bytes == 4) {
                buf.set(JAVA_INT, 0, (int) value);
            } else {
                buf.set(JAVA_LONG, 0, value);
            }
            check(callName, call(() -> set.invoke(buf, bytes)));
        }
    }

    static void check(String callName, int status) {
        if (status != CublasLtConstants.STATUS_SUCCESS) {
            throw CublasLtStatus.error(callName, status, "");
        }
    }

    /** Loads the library the first time cuBLASLt is asked for, then never again. */
    private static final class Loaded {
        static final VendorLibrary<CublasLtLibrary> LIBRARY = VendorLibrary.load(NAMES, CublasLtLibrary::new,
                "libcublasLt.so.13 or .so.12 not found: install the CUDA 13 or 12 math libraries (cuBLAS; pip's"
                        + " nvidia-cublas works) and put them on LD_LIBRARY_PATH", "install cuBLAS from CUDA 12 or 13");
    }
}
