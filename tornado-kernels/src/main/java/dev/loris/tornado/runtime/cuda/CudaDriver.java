package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.runtime.NativeLibrary;

import static dev.loris.tornado.runtime.NativeLibrary.call;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API (libcuda) through java.lang.foreign: the only NVIDIA library Loris requires.
 *
 * <p>Each method is a thin, checked wrapper over one driver entry point: a non-zero CUresult becomes a
 * {@link CudaException} carrying the driver's error name. We bind the {@code _v2} entry points where the
 * driver has them, as cuda.h's macros do.
 *
 * <p>This class covers loading, initialisation and device queries, which {@code loris devices} needs on
 * every machine. The calls that need a context (memory, modules, launches, streams, events) are bound on
 * first use, in groups of one concern each, by {@link #bindings()}; {@link CudaDevice} is their user.
 */
public final class CudaDriver {
    /** CUresult 100: the driver loaded but sees no CUDA-capable device. */
    public static final int CUDA_ERROR_NO_DEVICE = 100;

    // CUdevice_attribute values (cuda.h).
    public static final int ATTR_MAX_THREADS_PER_BLOCK = 1;
    public static final int ATTR_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    public static final int ATTR_WARP_SIZE = 10;
    public static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    public static final int ATTR_MEMORY_CLOCK_RATE_KHZ = 36;
    public static final int ATTR_GLOBAL_MEMORY_BUS_WIDTH_BITS = 37;
    public static final int ATTR_L2_CACHE_SIZE = 38;
    public static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    private static final List<String> LIBRARY_NAMES = List.of("libcuda.so.1", "libcuda.so", "nvcuda.dll");

    private final NativeLibrary library;
    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuGetErrorString;
    private Bindings bindings;

    private CudaDriver(NativeLibrary library) {
        this.library = library;
        cuInit = library.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuDriverGetVersion = library.function("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGetCount = library.function("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGet = library.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetName = library.function("cuDeviceGetName",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceTotalMem = library.function("cuDeviceTotalMem_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetAttribute = library.function("cuDeviceGetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuGetErrorName = library.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        cuGetErrorString = library.function("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    /** The context-level entry points, each group bound once, on first use. */
    record Bindings(CudaContextBindings context, CudaMemoryBindings memory, CudaModuleBindings modules,
                    CudaStreamBindings streams) {
    }

    synchronized Bindings bindings() {
        if (bindings == null) {
            bindings = new Bindings(new CudaContextBindings(this, library), new CudaMemoryBindings(this, library),
                    new CudaModuleBindings(this, library), new CudaStreamBindings(this, library));
        }
        return bindings;
    }

    /** Loads libcuda; empty when no NVIDIA driver is installed. Does not initialise it. */
    public static Optional<CudaDriver> load() {
        return NativeLibrary.open(LIBRARY_NAMES).map(CudaDriver::new);
    }

    public String libraryName() {
        return library.name();
    }

    public void init() {
        check("cuInit", call(() -> (int) cuInit.invokeExact(0)));
    }

    /** The driver's CUDA version, e.g. 13000 for 13.0. */
    public int driverVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDriverGetVersion", call(() -> (int) cuDriverGetVersion.invokeExact(out)));
            return out.get(JAVA_INT, 0);
        }
    }

    public int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGetCount", call(() -> (int) cuDeviceGetCount.invokeExact(out)));
            return out.get(JAVA_INT, 0);
        }
    }

    /** The CUdevice handle of device {@code ordinal}. */
    public int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGet", call(() -> (int) cuDeviceGet.invokeExact(out, ordinal)));
            return out.get(JAVA_INT, 0);
        }
    }

    public String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(256);
            check("cuDeviceGetName", call(() -> (int) cuDeviceGetName.invokeExact(out, 256, device)));
            return out.getString(0);
        }
    }

    public long deviceTotalMemory(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("cuDeviceTotalMem", call(() -> (int) cuDeviceTotalMem.invokeExact(out, device)));
            return out.get(JAVA_LONG, 0);
        }
    }

    public int deviceAttribute(int device, int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGetAttribute", call(() -> (int) cuDeviceGetAttribute.invokeExact(out, attribute, device)));
            return out.get(JAVA_INT, 0);
        }
    }

    /** The driver's symbolic name for a CUresult ("CUDA_ERROR_OUT_OF_MEMORY"). */
    public String errorName(int code) {
        return errorText(cuGetErrorName, code);
    }

    /** The driver's one-line description of a CUresult ("out of memory"). */
    public String errorString(int code) {
        return errorText(cuGetErrorString, code);
    }

    private static String errorText(MethodHandle lookup, int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = call(() -> (int) lookup.invokeExact(code, out));
            if (rc != 0) {
                return "CUresult " + code;
            }
            return out.get(ADDRESS, 0).reinterpret(1024).getString(0);
        }
    }

    /** Throws a {@link CudaException} naming {@code callName} when {@code result} is not CUDA_SUCCESS. */
    void check(String callName, int result) {
        if (result != 0) {
            throw new CudaException(callName, result, errorName(result), CudaErrors.hint(result));
        }
    }
}
