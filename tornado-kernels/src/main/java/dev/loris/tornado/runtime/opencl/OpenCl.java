package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.runtime.NativeLibrary;
import dev.loris.tornado.runtime.SignalHandlers;

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
 * Platform, device, context, queue, memory, program, kernel and event handles are raw {@link MemorySegment}
 * addresses owned by the driver; {@link OpenClDevice} and its resources give them an owner and a lifetime.
 * Host pointers passed here must be native segments. Assumes a 64-bit host (size_t is 8 bytes), as Loris does.
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
    public static final int CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS = 0x1003;
    public static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    public static final int CL_DEVICE_MAX_WORK_ITEM_SIZES = 0x1005;
    public static final int CL_DEVICE_ADDRESS_BITS = 0x100D;
    public static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    public static final int CL_DEVICE_MEM_BASE_ADDR_ALIGN = 0x1019;
    public static final int CL_DEVICE_SINGLE_FP_CONFIG = 0x101B;
    public static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    public static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    public static final int CL_DEVICE_NAME = 0x102B;
    public static final int CL_DEVICE_VENDOR = 0x102C;
    public static final int CL_DRIVER_VERSION = 0x102D;
    public static final int CL_DEVICE_VERSION = 0x102F;
    public static final int CL_DEVICE_EXTENSIONS = 0x1030;
    public static final int CL_DEVICE_DOUBLE_FP_CONFIG = 0x1032;
    public static final int CL_DEVICE_HALF_FP_CONFIG = 0x1033;
    public static final int CL_DEVICE_OPENCL_C_VERSION = 0x103D;
    public static final int CL_DEVICE_MAX_NUM_SUB_GROUPS = 0x105C;

    // cl_device_type bits
    public static final long CL_DEVICE_TYPE_CPU = 1L << 1;
    public static final long CL_DEVICE_TYPE_GPU = 1L << 2;
    public static final long CL_DEVICE_TYPE_ACCELERATOR = 1L << 3;

    /** cl_device_fp_config bit: the device may be asked for IEEE-rounded float division and sqrt. */
    public static final long CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT = 1L << 7;

    // contexts, queues, memory
    public static final long CL_CONTEXT_PLATFORM = 0x1084;
    public static final long CL_QUEUE_PROPERTIES = 0x1093;
    public static final long CL_QUEUE_PROFILING_ENABLE = 1L << 1;
    public static final long CL_MEM_READ_WRITE = 1L;

    // programs and kernels
    public static final int CL_PROGRAM_KERNEL_NAMES = 0x1168;
    public static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    public static final int CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    public static final int CL_KERNEL_LOCAL_MEM_SIZE = 0x11B2;
    public static final int CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE = 0x11B3;
    public static final int CL_KERNEL_PRIVATE_MEM_SIZE = 0x11B4;
    public static final int CL_KERNEL_MAX_SUB_GROUP_SIZE_FOR_NDRANGE = 0x2033;

    // cl_profiling_info
    public static final int CL_PROFILING_COMMAND_QUEUED = 0x1280;
    public static final int CL_PROFILING_COMMAND_START = 0x1282;
    public static final int CL_PROFILING_COMMAND_END = 0x1283;

    private static final List<String> LIBRARY_NAMES = List.of(
            "libOpenCL.so.1", "libOpenCL.so", "OpenCL.dll", "/System/Library/Frameworks/OpenCL.framework/OpenCL");

    private final NativeLibrary library;
    private final MethodHandle clGetPlatformIDs;
    private final MethodHandle clGetPlatformInfo;
    private final MethodHandle clGetDeviceIDs;
    private final MethodHandle clGetDeviceInfo;
    private final MethodHandle clCreateContext;
    private final MethodHandle clCreateCommandQueueWithProperties;
    private final MethodHandle clCreateCommandQueue;
    private final MethodHandle clCreateBuffer;
    private final MethodHandle clEnqueueWriteBuffer;
    private final MethodHandle clEnqueueReadBuffer;
    private final MethodHandle clEnqueueCopyBuffer;
    private final MethodHandle clEnqueueFillBuffer;
    private final MethodHandle clCreateProgramWithSource;
    private final MethodHandle clBuildProgram;
    private final MethodHandle clGetProgramBuildInfo;
    private final MethodHandle clGetProgramInfo;
    private final MethodHandle clCreateKernel;
    private final MethodHandle clSetKernelArg;
    private final MethodHandle clGetKernelWorkGroupInfo;
    private final MethodHandle clGetKernelSubGroupInfo;
    private final MethodHandle clEnqueueNDRangeKernel;
    private final MethodHandle clFinish;
    private final MethodHandle clFlush;
    private final MethodHandle clWaitForEvents;
    private final MethodHandle clEnqueueMarkerWithWaitList;
    private final MethodHandle clGetEventProfilingInfo;
    private final MethodHandle clReleaseEvent;
    private final MethodHandle clReleaseKernel;
    private final MethodHandle clReleaseProgram;
    private final MethodHandle clReleaseMemObject;
    private final MethodHandle clReleaseCommandQueue;
    private final MethodHandle clReleaseContext;

    private OpenCl(NativeLibrary library) {
        this.library = library;
        FunctionDescriptor getInfo = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        FunctionDescriptor objectInfo = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG,
                ADDRESS, ADDRESS);
        FunctionDescriptor onHandle = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        FunctionDescriptor transfer = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG,
                JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        clGetPlatformIDs = library.function("clGetPlatformIDs",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        clGetPlatformInfo = library.function("clGetPlatformInfo", getInfo);
        clGetDeviceIDs = library.function("clGetDeviceIDs",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        clGetDeviceInfo = library.function("clGetDeviceInfo", getInfo);
        clCreateContext = library.function("clCreateContext",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // Either queue constructor may be absent: 1.2-only loaders lack the first, strict 3.0 builds the second.
        clCreateCommandQueueWithProperties = optional("clCreateCommandQueueWithProperties",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clCreateCommandQueue = optional("clCreateCommandQueue",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        clCreateBuffer = library.function("clCreateBuffer",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
        clEnqueueWriteBuffer = library.function("clEnqueueWriteBuffer", transfer);
        clEnqueueReadBuffer = library.function("clEnqueueReadBuffer", transfer);
        clEnqueueCopyBuffer = library.function("clEnqueueCopyBuffer", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        clEnqueueFillBuffer = library.function("clEnqueueFillBuffer", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        clCreateProgramWithSource = library.function("clCreateProgramWithSource",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        clBuildProgram = library.function("clBuildProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clGetProgramBuildInfo = library.function("clGetProgramBuildInfo", objectInfo);
        clGetProgramInfo = library.function("clGetProgramInfo", getInfo);
        clCreateKernel = library.function("clCreateKernel",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clSetKernelArg = library.function("clSetKernelArg",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
        clGetKernelWorkGroupInfo = library.function("clGetKernelWorkGroupInfo", objectInfo);
        // OpenCL 2.1: absent from 1.2-only loaders.
        clGetKernelSubGroupInfo = optional("clGetKernelSubGroupInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
        clEnqueueNDRangeKernel = library.function("clEnqueueNDRangeKernel", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        clFinish = library.function("clFinish", onHandle);
        clFlush = library.function("clFlush", onHandle);
        clWaitForEvents = library.function("clWaitForEvents", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        clEnqueueMarkerWithWaitList = optional("clEnqueueMarkerWithWaitList",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        clGetEventProfilingInfo = library.function("clGetEventProfilingInfo", getInfo);
        clReleaseEvent = library.function("clReleaseEvent", onHandle);
        clReleaseKernel = library.function("clReleaseKernel", onHandle);
        clReleaseProgram = library.function("clReleaseProgram", onHandle);
        clReleaseMemObject = library.function("clReleaseMemObject", onHandle);
        clReleaseCommandQueue = library.function("clReleaseCommandQueue", onHandle);
        clReleaseContext = library.function("clReleaseContext", onHandle);
    }

    /** Loads the ICD loader; empty when it is not installed. */
    public static Optional<OpenCl> load() {
        PoclSignalHandler.leaveSigfpeToTheJvm();
        return NativeLibrary.open(LIBRARY_NAMES).map(OpenCl::new);
    }

    public String libraryName() {
        return library.name();
    }

    private MethodHandle optional(String symbol, FunctionDescriptor descriptor) {
        return library.has(symbol) ? library.function(symbol, descriptor) : null;
    }

    // ---- platforms and devices -------------------------------------------------------------------------

    /** Every registered platform; empty (not an error) when the loader finds no driver. */
    public List<MemorySegment> platforms() {
        // The first call starts every driver the loader lists; some install signal handlers as they start.
        try (Arena arena = Arena.ofConfined(); var kept = SignalHandlers.keepJvmHandlers()) {
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
        return infoString("clGetPlatformInfo",
                (size, value, sizeOut) -> (int) clGetPlatformInfo.invokeExact(platform, param, size, value, sizeOut));
    }

    public String deviceString(MemorySegment device, int param) {
        return infoString("clGetDeviceInfo",
                (size, value, sizeOut) -> (int) clGetDeviceInfo.invokeExact(device, param, size, value, sizeOut));
    }

    /** A cl_ulong or cl_bitfield device property. */
    public long deviceLong(MemorySegment device, int param) {
        return infoLong("clGetDeviceInfo", 8,
                (size, value, sizeOut) -> (int) clGetDeviceInfo.invokeExact(device, param, size, value, sizeOut));
    }

    /** A cl_uint device property. */
    public int deviceInt(MemorySegment device, int param) {
        return (int) infoLong("clGetDeviceInfo", 4,
                (size, value, sizeOut) -> (int) clGetDeviceInfo.invokeExact(device, param, size, value, sizeOut));
    }

    /** A size_t device property. */
    public long deviceSize(MemorySegment device, int param) {
        return deviceLong(device, param);
    }

    /** A size_t[] device property, such as the maximum work-item sizes per dimension. */
    public long[] deviceSizes(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(JAVA_LONG);
            check("clGetDeviceInfo", call(() -> (int) clGetDeviceInfo.invokeExact(device, param, 0L,
                    MemorySegment.NULL, bytes)));
            long n = bytes.get(JAVA_LONG, 0);
            MemorySegment out = arena.allocate(Math.max(n, 8), 8);
            check("clGetDeviceInfo", call(() -> (int) clGetDeviceInfo.invokeExact(device, param, n, out,
                    MemorySegment.NULL)));
            return out.asSlice(0, n).toArray(JAVA_LONG);
        }
    }

    // ---- contexts and queues ---------------------------------------------------------------------------

    /** A context holding the one device, on its platform. */
    public MemorySegment createContext(MemorySegment platform, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment properties = arena.allocateFrom(JAVA_LONG, CL_CONTEXT_PLATFORM, platform.address(), 0L);
            MemorySegment devices = arena.allocateFrom(ADDRESS, device);
            return create("clCreateContext", error -> (MemorySegment) clCreateContext.invokeExact(properties, 1,
                    devices, MemorySegment.NULL, MemorySegment.NULL, error));
        }
    }

    /**
     * An in-order queue with profiling on. OpenCL 2.0 renamed the constructor and 3.0 drivers may drop the
     * old name, while 1.2 drivers (and their ICD dispatch tables) lack the new one: the device's version picks.
     */
    public MemorySegment createProfilingQueue(MemorySegment context, MemorySegment device, boolean openCl2OrLater) {
        if ((openCl2OrLater || clCreateCommandQueue == null) && clCreateCommandQueueWithProperties != null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment properties = arena.allocateFrom(JAVA_LONG, CL_QUEUE_PROPERTIES,
                        CL_QUEUE_PROFILING_ENABLE, 0L);
                return create("clCreateCommandQueueWithProperties", error -> (MemorySegment)
                        clCreateCommandQueueWithProperties.invokeExact(context, device, properties, error));
            }
        }
        if (clCreateCommandQueue == null) {
            throw new OpenClException("clCreateCommandQueue", OpenClErrors.CL_INVALID_OPERATION,
                    libraryName() + " has neither queue constructor: reinstall the OpenCL ICD loader");
        }
        return create("clCreateCommandQueue", error -> (MemorySegment) clCreateCommandQueue.invokeExact(context,
                device, CL_QUEUE_PROFILING_ENABLE, error));
    }

    public void finish(MemorySegment queue) {
        check("clFinish", call(() -> (int) clFinish.invokeExact(queue)));
    }

    public void flush(MemorySegment queue) {
        check("clFlush", call(() -> (int) clFlush.invokeExact(queue)));
    }

    // ---- memory ----------------------------------------------------------------------------------------

    /** A read-write device buffer; the driver may defer the real allocation to its first use. */
    public MemorySegment createBuffer(MemorySegment context, long bytes) {
        return create("clCreateBuffer", error -> (MemorySegment) clCreateBuffer.invokeExact(context,
                CL_MEM_READ_WRITE, bytes, MemorySegment.NULL, error));
    }

    /**
     * Host to device. Non-blocking, {@code host} must stay alive and unchanged until the event completes.
     *
     * @param eventOut where the driver stores the new cl_event, or NULL for none
     */
    public void enqueueWriteBuffer(MemorySegment queue, MemorySegment buffer, boolean blocking, long offset,
                                   MemorySegment host, MemorySegment eventOut) {
        check("clEnqueueWriteBuffer", call(() -> (int) clEnqueueWriteBuffer.invokeExact(queue, buffer,
                blocking ? 1 : 0, offset, host.byteSize(), host, 0, MemorySegment.NULL, eventOut)));
    }

    /** Device to host, {@code host.byteSize()} bytes; non-blocking, {@code host} must outlive the event. */
    public void enqueueReadBuffer(MemorySegment queue, MemorySegment buffer, boolean blocking, long offset,
                                  MemorySegment host, MemorySegment eventOut) {
        check("clEnqueueReadBuffer", call(() -> (int) clEnqueueReadBuffer.invokeExact(queue, buffer,
                blocking ? 1 : 0, offset, host.byteSize(), host, 0, MemorySegment.NULL, eventOut)));
    }

    /** Device to device; always asynchronous. Waiting on {@code eventOut}, or clFinish, makes it blocking. */
    public void enqueueCopyBuffer(MemorySegment queue, MemorySegment source, MemorySegment target,
                                  long sourceOffset, long targetOffset, long bytes, MemorySegment eventOut) {
        check("clEnqueueCopyBuffer", call(() -> (int) clEnqueueCopyBuffer.invokeExact(queue, source, target,
                sourceOffset, targetOffset, bytes, 0, MemorySegment.NULL, eventOut)));
    }

    /** Repeats {@code pattern} over the range; the driver copies the pattern before returning. */
    public void enqueueFillBuffer(MemorySegment queue, MemorySegment buffer, MemorySegment pattern, long offset,
                                  long bytes, MemorySegment eventOut) {
        check("clEnqueueFillBuffer", call(() -> (int) clEnqueueFillBuffer.invokeExact(queue, buffer, pattern,
                pattern.byteSize(), offset, bytes, 0, MemorySegment.NULL, eventOut)));
    }

    // ---- programs and kernels --------------------------------------------------------------------------

    public MemorySegment createProgramWithSource(MemorySegment context, String source) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment strings = arena.allocateFrom(ADDRESS, arena.allocateFrom(source));
            return create("clCreateProgramWithSource", error -> (MemorySegment) clCreateProgramWithSource
                    .invokeExact(context, 1, strings, MemorySegment.NULL, error));
        }
    }

    /** Compiles for the one device; returns the error code rather than throwing, so the caller can add the log. */
    public int buildProgram(MemorySegment program, MemorySegment device, String options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devices = arena.allocateFrom(ADDRESS, device);
            MemorySegment optionText = arena.allocateFrom(options);
            // LLVM-based compilers (PoCL's, NVIDIA's) install signal handlers on their first build.
            try (var kept = SignalHandlers.keepJvmHandlers()) {
                return call(() -> (int) clBuildProgram.invokeExact(program, 1, devices, optionText,
                        MemorySegment.NULL, MemorySegment.NULL));
            }
        }
    }

    /** The compiler's output for this device: errors, warnings, or nothing. */
    public String programBuildLog(MemorySegment program, MemorySegment device) {
        return infoString("clGetProgramBuildInfo", (size, value, sizeOut) -> (int) clGetProgramBuildInfo
                .invokeExact(program, device, CL_PROGRAM_BUILD_LOG, size, value, sizeOut));
    }

    public String programString(MemorySegment program, int param) {
        return infoString("clGetProgramInfo",
                (size, value, sizeOut) -> (int) clGetProgramInfo.invokeExact(program, param, size, value, sizeOut));
    }

    public MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nameText = arena.allocateFrom(name);
            return create("clCreateKernel", error -> (MemorySegment) clCreateKernel.invokeExact(program, nameText,
                    error));
        }
    }

    /**
     * Sets one argument: {@code value} points at {@code size} bytes (a cl_mem handle, a scalar), or is NULL
     * for a __local buffer of {@code size} bytes. The driver copies the value before returning.
     */
    public void setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        int code; // written out without a lambda: argument setting and launches must not allocate
        try {
            code = (int) clSetKernelArg.invokeExact(kernel, index, size, value);
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
        check("clSetKernelArg", code);
    }

    /** A size_t or cl_ulong property of the kernel as compiled for this device. */
    public long kernelWorkGroupLong(MemorySegment kernel, MemorySegment device, int param) {
        return infoLong("clGetKernelWorkGroupInfo", 8, (size, value, sizeOut) -> (int) clGetKernelWorkGroupInfo
                .invokeExact(kernel, device, param, size, value, sizeOut));
    }

    /**
     * A size_t sub-group property of a kernel for a work-group of {@code local} (one size per dimension), such
     * as CL_KERNEL_MAX_SUB_GROUP_SIZE_FOR_NDRANGE; CL_INVALID_OPERATION when the loader predates OpenCL 2.1.
     */
    public long kernelSubGroupLong(MemorySegment kernel, MemorySegment device, int param, long[] local) {
        if (clGetKernelSubGroupInfo == null) {
            throw new OpenClException("clGetKernelSubGroupInfo", OpenClErrors.CL_INVALID_OPERATION,
                    "the OpenCL loader predates OpenCL 2.1, which added sub-group queries");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sizes = arena.allocateFrom(JAVA_LONG, local);
            return infoLong("clGetKernelSubGroupInfo", 8, (size, value, sizeOut) -> (int) clGetKernelSubGroupInfo
                    .invokeExact(kernel, device, param, sizes.byteSize(), sizes, size, value, sizeOut));
        }
    }

    /**
     * Launches over {@code dimensions} dimensions; {@code global} and {@code local} point at size_t arrays of
     * that length, {@code local} may be NULL to let the driver choose.
     */
    public void enqueueNdRangeKernel(MemorySegment queue, MemorySegment kernel, int dimensions,
                                     MemorySegment global, MemorySegment local, MemorySegment eventOut) {
        int code; // as in setKernelArg: no lambda on the launch path
        try {
            code = (int) clEnqueueNDRangeKernel.invokeExact(queue, kernel, dimensions, MemorySegment.NULL, global,
                    local, 0, MemorySegment.NULL, eventOut);
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
        check("clEnqueueNDRangeKernel", code);
    }

    // ---- events ----------------------------------------------------------------------------------------

    public void waitForEvent(MemorySegment event) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocateFrom(ADDRESS, event);
            check("clWaitForEvents", call(() -> (int) clWaitForEvents.invokeExact(1, list)));
        }
    }

    /**
     * Queues a marker (OpenCL 1.2): a command that completes when everything queued before it has, whose event
     * carries profiling timestamps like any command's.
     */
    public void enqueueMarker(MemorySegment queue, MemorySegment eventOut) {
        if (clEnqueueMarkerWithWaitList == null) {
            throw new OpenClException("clEnqueueMarkerWithWaitList", OpenClErrors.CL_INVALID_OPERATION,
                    libraryName() + " has no clEnqueueMarkerWithWaitList (an OpenCL 1.1 loader): update the ICD"
                            + " loader");
        }
        check("clEnqueueMarkerWithWaitList", call(() -> (int) clEnqueueMarkerWithWaitList.invokeExact(queue, 0,
                MemorySegment.NULL, eventOut)));
    }

    /** A device timestamp in nanoseconds (CL_PROFILING_COMMAND_*); needs a profiling queue. */
    public long eventProfilingNanos(MemorySegment event, int param) {
        return infoLong("clGetEventProfilingInfo", 8,
                (size, value, sizeOut) -> (int) clGetEventProfilingInfo.invokeExact(event, param, size, value,
                        sizeOut));
    }

    // ---- releases --------------------------------------------------------------------------------------

    public void releaseEvent(MemorySegment event) {
        release("clReleaseEvent", clReleaseEvent, event);
    }

    public void releaseKernel(MemorySegment kernel) {
        release("clReleaseKernel", clReleaseKernel, kernel);
    }

    public void releaseProgram(MemorySegment program) {
        release("clReleaseProgram", clReleaseProgram, program);
    }

    public void releaseMemObject(MemorySegment buffer) {
        release("clReleaseMemObject", clReleaseMemObject, buffer);
    }

    public void releaseCommandQueue(MemorySegment queue) {
        release("clReleaseCommandQueue", clReleaseCommandQueue, queue);
    }

    public void releaseContext(MemorySegment context) {
        release("clReleaseContext", clReleaseContext, context);
    }

    private static void release(String callName, MethodHandle release, MemorySegment handle) {
        check(callName, call(() -> (int) release.invokeExact(handle)));
    }

    // ---- plumbing --------------------------------------------------------------------------------------

    /** One clGet*Info call with the object and parameter already bound. */
    @FunctionalInterface
    private interface InfoCall {
        int invoke(long size, MemorySegment value, MemorySegment sizeOut) throws Throwable;
    }

    /** A clCreate* call, which returns the handle and reports its status through {@code errorOut}. */
    @FunctionalInterface
    private interface CreateCall {
        MemorySegment invoke(MemorySegment errorOut) throws Throwable;
    }

    private static String infoString(String callName, InfoCall getInfo) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            check(callName, call(() -> getInfo.invoke(0L, MemorySegment.NULL, size)));
            long n = size.get(JAVA_LONG, 0);
            MemorySegment out = arena.allocate(Math.max(n, 1));
            check(callName, call(() -> getInfo.invoke(n, out, MemorySegment.NULL)));
            return out.getString(0).trim();
        }
    }

    private static long infoLong(String callName, int bytes, InfoCall getInfo) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check(callName, call(() -> getInfo.invoke(bytes, out, MemorySegment.NULL)));
            return bytes == 4 ? Integer.toUnsignedLong(out.get(JAVA_INT, 0)) : out.get(JAVA_LONG, 0);
        }
    }

    private static MemorySegment create(String callName, CreateCall create) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = arena.allocate(JAVA_INT);
            MemorySegment[] handle = new MemorySegment[1];
            call(() -> {
                handle[0] = create.invoke(error);
                return 0;
            });
            check(callName, error.get(JAVA_INT, 0));
            return handle[0];
        }
    }

    private static List<MemorySegment> addresses(MemorySegment array, int n) {
        List<MemorySegment> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(array.getAtIndex(ADDRESS, i));
        }
        return List.copyOf(result);
    }

    static void check(String callName, int code) {
        if (code != 0) {
            throw new OpenClException(callName, code, OpenClErrors.hint(code));
        }
    }
}
