package dev.loris.tornado.gemm.clblast;

import dev.loris.tornado.gemm.GemmLibraryException;

import java.util.Map;

import static java.util.Map.entry;

/**
 * Names of CLBlast's status codes (CLBlastStatusCode in clblast_c.h, identical from 1.5 to 1.6.3) and what
 * a user can do about the ones they can meet. Codes above -1000 are OpenCL's own (CLBlast passes them on),
 * -1024..-1007 are shared with clBLAS, -2050..-2036 are CLBlast's. An unlisted code is reported by number.
 */
final class ClBlastStatus {
    static final int SUCCESS = 0;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            entry(-3, "CLBlastOpenCLCompilerNotAvailable"),
            entry(-4, "CLBlastTempBufferAllocFailure"),
            entry(-5, "CLBlastOpenCLOutOfResources"),
            entry(-6, "CLBlastOpenCLOutOfHostMemory"),
            entry(-11, "CLBlastOpenCLBuildProgramFailure"),
            entry(-30, "CLBlastInvalidValue"),
            entry(-36, "CLBlastInvalidCommandQueue"),
            entry(-38, "CLBlastInvalidMemObject"),
            entry(-42, "CLBlastInvalidBinary"),
            entry(-43, "CLBlastInvalidBuildOptions"),
            entry(-44, "CLBlastInvalidProgram"),
            entry(-45, "CLBlastInvalidProgramExecutable"),
            entry(-46, "CLBlastInvalidKernelName"),
            entry(-47, "CLBlastInvalidKernelDefinition"),
            entry(-48, "CLBlastInvalidKernel"),
            entry(-49, "CLBlastInvalidArgIndex"),
            entry(-50, "CLBlastInvalidArgValue"),
            entry(-51, "CLBlastInvalidArgSize"),
            entry(-52, "CLBlastInvalidKernelArgs"),
            entry(-53, "CLBlastInvalidLocalNumDimensions"),
            entry(-54, "CLBlastInvalidLocalThreadsTotal"),
            entry(-55, "CLBlastInvalidLocalThreadsDim"),
            entry(-56, "CLBlastInvalidGlobalOffset"),
            entry(-57, "CLBlastInvalidEventWaitList"),
            entry(-58, "CLBlastInvalidEvent"),
            entry(-59, "CLBlastInvalidOperation"),
            entry(-61, "CLBlastInvalidBufferSize"),
            entry(-63, "CLBlastInvalidGlobalWorkSize"),
            entry(-1024, "CLBlastNotImplemented"),
            entry(-1022, "CLBlastInvalidMatrixA"),
            entry(-1021, "CLBlastInvalidMatrixB"),
            entry(-1020, "CLBlastInvalidMatrixC"),
            entry(-1019, "CLBlastInvalidVectorX"),
            entry(-1018, "CLBlastInvalidVectorY"),
            entry(-1017, "CLBlastInvalidDimension"),
            entry(-1016, "CLBlastInvalidLeadDimA"),
            entry(-1015, "CLBlastInvalidLeadDimB"),
            entry(-1014, "CLBlastInvalidLeadDimC"),
            entry(-1013, "CLBlastInvalidIncrementX"),
            entry(-1012, "CLBlastInvalidIncrementY"),
            entry(-1011, "CLBlastInsufficientMemoryA"),
            entry(-1010, "CLBlastInsufficientMemoryB"),
            entry(-1009, "CLBlastInsufficientMemoryC"),
            entry(-1008, "CLBlastInsufficientMemoryX"),
            entry(-1007, "CLBlastInsufficientMemoryY"),
            entry(-2050, "CLBlastInsufficientMemoryTemp"),
            entry(-2049, "CLBlastInvalidBatchCount"),
            entry(-2048, "CLBlastInvalidOverrideKernel"),
            entry(-2047, "CLBlastMissingOverrideParameter"),
            entry(-2046, "CLBlastInvalidLocalMemUsage"),
            entry(-2045, "CLBlastNoHalfPrecision"),
            entry(-2044, "CLBlastNoDoublePrecision"),
            entry(-2043, "CLBlastInvalidVectorScalar"),
            entry(-2042, "CLBlastInsufficientMemoryScalar"),
            entry(-2041, "CLBlastDatabaseError"),
            entry(-2040, "CLBlastUnknownError"),
            entry(-2039, "CLBlastUnexpectedError"),
            entry(-2038, "CLBlastInvalidVectorZ"),
            entry(-2037, "CLBlastInvalidIncrementZ"),
            entry(-2036, "CLBlastInsufficientMemoryZ"));

    private ClBlastStatus() {
    }

    static String name(int code) {
        return NAMES.getOrDefault(code, "unknown CLBlast status");
    }

    static String hint(int code) {
        return switch (code) {
            case -4, -5, -6, -2050 -> "the OpenCL device ran out of memory for CLBlast's temporary buffers: "
                    + "use smaller batches";
            case -3, -11 -> "the OpenCL driver could not compile CLBlast's kernels for this device: "
                    + "use another GEMM backend (the tiled kernel) or another OpenCL driver";
            case -2045 -> "this OpenCL device has no half precision (cl_khr_fp16)";
            case -2046 -> "CLBlast's tuned parameters need more local memory than this device has: "
                    + "use another GEMM backend";
            default -> code <= -1007 && code >= -1024
                    ? "Loris passed CLBlast an operand it rejects: report it with --debug output"
                    : "";
        };
    }

    /** The exception for a failed call; {@code detail} names the GEMM. */
    static GemmLibraryException error(String call, int code, String detail) {
        return new GemmLibraryException("CLBlast", call, code, name(code), detail, hint(code));
    }
}
