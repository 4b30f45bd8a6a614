package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.runtime.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.loris.tornado.runtime.NativeLibrary.call;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Driver entry points for contexts: the device's primary context (the one the CUDA runtime and libraries
 * such as cuBLASLt share), binding it to the calling thread, waiting for it, and its free memory.
 *
 * <p>We never create our own contexts (cuCtxCreate): one context per device, shared with any other CUDA
 * library in the process, is what the driver recommends and what lets cuBLASLt work on our pointers.
 */
final class CudaContextBindings {
    private final CudaDriver driver;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuCtxSynchronize;
    private final MethodHandle cuMemGetInfo;

    CudaContextBindings(CudaDriver driver, NativeLibrary library) {
        this.driver = driver;
        cuDevicePrimaryCtxRetain = library.function("cuDevicePrimaryCtxRetain",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDevicePrimaryCtxRelease = library.function("cuDevicePrimaryCtxRelease_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuCtxSetCurrent = library.function("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuCtxSynchronize = library.function("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        cuMemGetInfo = library.function("cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** Retains (creating on first retain) the primary context of a CUdevice; pair with {@link #releasePrimary}. */
    MemorySegment retainPrimary(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            driver.check("cuDevicePrimaryCtxRetain",
                    call(() -> (int) cuDevicePrimaryCtxRetain.invokeExact(out, device)));
            return out.get(ADDRESS, 0);
        }
    }

    void releasePrimary(int device) {
        driver.check("cuDevicePrimaryCtxRelease", call(() -> (int) cuDevicePrimaryCtxRelease.invokeExact(device)));
    }

    /** Binds {@code context} to the calling thread; the driver keeps one current context per thread. */
    void setCurrent(MemorySegment context) {
        int result; // called before every operation, launches included: written out so it allocates nothing
        try {
            result = (int) cuCtxSetCurrent.invokeExact(context);
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
        if (result != 0) {
            driver.check("cuCtxSetCurrent", result);
        }
    }

    /** Waits for all work of the current context, on every stream. */
    void synchronize() {
        driver.check("cuCtxSynchronize", call(() -> (int) cuCtxSynchronize.invokeExact()));
    }

    /** Free device memory in bytes, as the current context's device reports it. */
    long freeBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG);
            MemorySegment total = arena.allocate(JAVA_LONG);
            driver.check("cuMemGetInfo", call(() -> (int) cuMemGetInfo.invokeExact(free, total)));
            return free.get(JAVA_LONG, 0);
        }
    }
}
