package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.runtime.NativeLibrary;

import static dev.loris.tornado.runtime.NativeLibrary.call;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * OpenCL through the ICD loader (libOpenCL), which dispatches to every registered driver: PoCL for CPUs,
 * NVIDIA's, AMD's and Intel's for their GPUs.
 *
 * <p>Each method wraps one entry point and turns an error code into an {@link OpenClException}.
 * Platform and device handles are raw {@link MemorySegment} addresses owned by the driver.
 */
public final class OpenCl {
    public static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;

    // cl_platform_info
    public static final int CL_PLATFORM_VERSION = 0x0901;
    public static final int CL_PLATFORM_NAME = 0x0902;
    public static final int CL_PLATFORM_VENDOR = 0x0903;

    // cl_device_info
    public static final int CL_DEVICE_TYPE = 0x1000;
    public static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    public static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    public static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    public static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    public static final int CL_DEVICE_NAME = 0x102B;
    public static final int CL_DEVICE_VENDOR = 0x102C;
    public static final int CL_DRIVER_VERSION = 0x102D;
    public static final int CL_DEVICE_VERSION = 0x102F;
    public static final int CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    // cl_device_type bits
    public static final long CL_DEVICE_TYPE_CPU = 1L << 1;
    public static final long CL_DEVICE_TYPE_GPU = 1L << 2;
    public static final long CL_DEVICE_TYPE_ACCELERATOR = 1L << 3;

    private static final List<String> LIBRARY_NAMES = List.of(
            "libOpenCL.so.1", "libOpenCL.so", "OpenCL.dll", "/System/Library/Frameworks/OpenCL.framework/OpenCL");

    private final NativeLibrary library;
    private final MethodHandle clGetPlatformIDs;
    private final MethodHandle clGetPlatformInfo;
    private final MethodHandle clGetDeviceIDs;
    private final MethodHandle clGetDeviceInfo;

    private OpenCl(NativeLibrary library) {
        this.library = library;
        clGetPlatformIDs = library.function("clGetPlatformIDs",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        clGetPlatformInfo = library.function("clGetPlatformInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        clGetDeviceIDs = library.function("clGetDeviceIDs",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        clGetDeviceInfo = library.function("clGetDeviceInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    }

    /** Loads the ICD loader; empty when it is not installed. */
    public static Optional<OpenCl> load() {
        return NativeLibrary.open(LIBRARY_NAMES).map(OpenCl::new);
    }

    public String libraryName() {
        return library.name();
    }

    /** Every registered platform; empty (not an error) when the loader finds no driver. */
    public List<MemorySegment> platforms() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int rc = call(() -> (int) clGetPlatformIDs.invokeExact(0, MemorySegment.NULL, count));
            if (rc == OpenClErrors.CL_PLATFORM_NOT_FOUND_KHR) {
                return List.of();
            }
            check("clGetPlatformIDs", rc);
            int n = count.get(JAVA_INT, 0);
            MemorySegment ids = arena.allocate(ADDRESS, Math.max(n, 1));
            check("clGetPlatformIDs", call(() -> (int) clGetPlatformIDs.invokeExact(n, ids, MemorySegment.NULL)));
            return addresses(ids, n);
        }
    }

    /** The platform's devices of any type; empty when it has none. */
    public List<MemorySegment> devices(MemorySegment platform) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int rc = call(() -> (int) clGetDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, 0,
                    MemorySegment.NULL, count));
            if (rc == OpenClErrors.CL_DEVICE_NOT_FOUND) {
                return List.of();
            }
            check("clGetDeviceIDs", rc);
            int n = count.get(JAVA_INT, 0);
            MemorySegment ids = arena.allocate(ADDRESS, Math.max(n, 1));
            check("clGetDeviceIDs", call(() -> (int) clGetDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, n,
                    ids, MemorySegment.NULL)));
            return addresses(ids, n);
        }
    }

    public String platformString(MemorySegment platform, int param) {
        return infoString("clGetPlatformInfo", clGetPlatformInfo, platform, param);
    }

    public String deviceString(MemorySegment device, int param) {
        return infoString("clGetDeviceInfo", clGetDeviceInfo, device, param);
    }

    /** A cl_ulong or cl_bitfield device property. */
    public long deviceLong(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("clGetDeviceInfo", call(() -> (int) clGetDeviceInfo.invokeExact(device, param, 8L, out,
                    MemorySegment.NULL)));
            return out.get(JAVA_LONG, 0);
        }
    }

    /** A cl_uint device property. */
    public int deviceInt(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("clGetDeviceInfo", call(() -> (int) clGetDeviceInfo.invokeExact(device, param, 4L, out,
                    MemorySegment.NULL)));
            return out.get(JAVA_INT, 0);
        }
    }

    /** A size_t device property. */
    public long deviceSize(MemorySegment device, int param) {
        return deviceLong(device, param);
    }

    private static String infoString(String callName, MethodHandle getInfo, MemorySegment object, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            check(callName, call(() -> (int) getInfo.invokeExact(object, param, 0L, MemorySegment.NULL, size)));
            long n = size.get(JAVA_LONG, 0);
            MemorySegment out = arena.allocate(Math.max(n, 1));
            check(callName, call(() -> (int) getInfo.invokeExact(object, param, n, out, MemorySegment.NULL)));
            return out.getString(0).trim();
        }
    }

    private static List<MemorySegment> addresses(MemorySegment array, int n) {
        List<MemorySegment> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(array.getAtIndex(ADDRESS, i));
        }
        return List.copyOf(result);
    }

    private static void check(String callName, int code) {
        if (code != 0) {
            throw new OpenClException(callName, code, OpenClErrors.hint(code));
        }
    }
}
