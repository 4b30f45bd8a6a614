package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.runtime.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.loris.tornado.runtime.NativeLibrary.call;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Driver entry points for memory: device allocations (CUdeviceptr, a 64-bit integer here), page-locked host
 * allocations, copies and fills, synchronous and stream-ordered. All need the owning context current.
 *
 * <p>Host pointers are native {@link MemorySegment}s; the driver reads or writes {@code bytes} through them,
 * so callers check sizes first. The asynchronous calls return before the copy happens: the host memory must
 * stay alive and untouched until the stream has been synchronised.
 */
final class CudaMemoryBindings {
    private final CudaDriver driver;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemHostAlloc;
    private final MethodHandle cuMemFreeHost;
    private final MethodHandle cuMemcpyHtoD;
    private final MethodHandle cuMemcpyDtoH;
    private final MethodHandle cuMemcpyDtoD;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemcpyDtoDAsync;
    private final MethodHandle cuMemsetD8;
    private final MethodHandle cuMemsetD32;
    private final MethodHandle cuMemsetD8Async;
    private final MethodHandle cuMemsetD32Async;

    CudaMemoryBindings(CudaDriver driver, NativeLibrary library) {
        this.driver = driver;
        cuMemAlloc = library.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFree = library.function("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        cuMemHostAlloc = library.function("cuMemHostAlloc",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        cuMemFreeHost = library.function("cuMemFreeHost", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuMemcpyHtoD = library.function("cuMemcpyHtoD_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        cuMemcpyDtoH = library.function("cuMemcpyDtoH_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        cuMemcpyDtoD = library.function("cuMemcpyDtoD_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        cuMemcpyHtoDAsync = library.function("cuMemcpyHtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        cuMemcpyDtoHAsync = library.function("cuMemcpyDtoHAsync_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemcpyDtoDAsync = library.function("cuMemcpyDtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemsetD8 = library.function("cuMemsetD8_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE, JAVA_LONG));
        cuMemsetD32 = library.function("cuMemsetD32_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
        cuMemsetD8Async = library.function("cuMemsetD8Async",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE, JAVA_LONG, ADDRESS));
        cuMemsetD32Async = library.function("cuMemsetD32Async",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
    }

    /** A device allocation of {@code bytes}; throws {@link CudaException} (code 2 when out of memory). */
    long allocate(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            driver.check("cuMemAlloc", call(() -> (int) cuMemAlloc.invokeExact(out, bytes)));
            return out.get(JAVA_LONG, 0);
        }
    }

    void free(long devicePointer) {
        driver.check("cuMemFree", call(() -> (int) cuMemFree.invokeExact(devicePointer)));
    }

    /** Page-locked host memory the GPU can copy from and to at full speed, asynchronously. */
    MemorySegment allocateHost(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            driver.check("cuMemHostAlloc", call(() -> (int) cuMemHostAlloc.invokeExact(out, bytes, 0)));
            return out.get(ADDRESS, 0);
        }
    }

    void freeHost(MemorySegment hostPointer) {
        driver.check("cuMemFreeHost", call(() -> (int) cuMemFreeHost.invokeExact(hostPointer)));
    }

    void copyHostToDevice(long dst, MemorySegment src, long bytes) {
        driver.check("cuMemcpyHtoD", call(() -> (int) cuMemcpyHtoD.invokeExact(dst, src, bytes)));
    }

    void copyDeviceToHost(MemorySegment dst, long src, long bytes) {
        driver.check("cuMemcpyDtoH", call(() -> (int) cuMemcpyDtoH.invokeExact(dst, src, bytes)));
    }

    void copyDeviceToDevice(long dst, long src, long bytes) {
        driver.check("cuMemcpyDtoD", call(() -> (int) cuMemcpyDtoD.invokeExact(dst, src, bytes)));
    }

    void copyHostToDeviceAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        driver.check("cuMemcpyHtoDAsync", call(() -> (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream)));
    }

    void copyDeviceToHostAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        driver.check("cuMemcpyDtoHAsync", call(() -> (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream)));
    }

    void copyDeviceToDeviceAsync(long dst, long src, long bytes, MemorySegment stream) {
        driver.check("cuMemcpyDtoDAsync", call(() -> (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream)));
    }

    /** Sets {@code count} bytes to {@code value}. */
    void fillBytes(long dst, byte value, long count) {
        driver.check("cuMemsetD8", call(() -> (int) cuMemsetD8.invokeExact(dst, value, count)));
    }

    /** Sets {@code count} 32-bit words to {@code value}; {@code dst} must be 4-byte aligned. */
    void fillInts(long dst, int value, long count) {
        driver.check("cuMemsetD32", call(() -> (int) cuMemsetD32.invokeExact(dst, value, count)));
    }

    void fillBytesAsync(long dst, byte value, long count, MemorySegment stream) {
        driver.check("cuMemsetD8Async", call(() -> (int) cuMemsetD8Async.invokeExact(dst, value, count, stream)));
    }

    void fillIntsAsync(long dst, int value, long count, MemorySegment stream) {
        driver.check("cuMemsetD32Async", call(() -> (int) cuMemsetD32Async.invokeExact(dst, value, count, stream)));
    }
}
