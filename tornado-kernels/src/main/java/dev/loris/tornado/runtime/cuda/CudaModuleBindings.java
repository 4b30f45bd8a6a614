package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.runtime.NativeLibrary;
import dev.loris.tornado.runtime.SignalHandlers;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.OptionalLong;

import static dev.loris.tornado.runtime.NativeLibrary.call;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Driver entry points for code: loading PTX through the driver's JIT (cuModuleLoadDataEx, with log buffers),
 * looking kernels up, their attributes, and launching them. All need the owning context current.
 *
 * <p>cuFuncGetParamInfo (driver 12.4 and later) is bound only when the driver has it; it lets launches check
 * the argument list against the kernel's parameters instead of letting the GPU read garbage.
 */
final class CudaModuleBindings {
    // CUjit_option values (cuda.h): the option array is int-sized, each value travels in a void* slot.
    static final int JIT_INFO_LOG_BUFFER = 3;
    static final int JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    static final int JIT_ERROR_LOG_BUFFER = 5;
    static final int JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    static final int JIT_LOG_VERBOSE = 12;

    // CUfunction_attribute values (cuda.h).
    static final int FUNC_MAX_THREADS_PER_BLOCK = 0;
    static final int FUNC_SHARED_SIZE_BYTES = 1;
    static final int FUNC_LOCAL_SIZE_BYTES = 3;
    static final int FUNC_NUM_REGS = 4;
    static final int FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    private final CudaDriver driver;
    private final MethodHandle cuModuleLoadDataEx;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuFuncGetAttribute;
    private final MethodHandle cuFuncSetAttribute;
    private final MethodHandle cuFuncGetParamInfo;
    private final MethodHandle cuLaunchKernel;

    CudaModuleBindings(CudaDriver driver, NativeLibrary library) {
        this.driver = driver;
        cuModuleLoadDataEx = library.function("cuModuleLoadDataEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        cuModuleGetFunction = library.function("cuModuleGetFunction",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuModuleUnload = library.function("cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuFuncGetAttribute = library.function("cuFuncGetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        cuFuncSetAttribute = library.function("cuFuncSetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuFuncGetParamInfo = library.has("cuFuncGetParamInfo") ? library.function("cuFuncGetParamInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS)) : null;
        cuLaunchKernel = library.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    /**
     * Loads a NUL-terminated PTX image with JIT options; returns the raw CUresult because a failure is only
     * useful together with the error log the driver wrote into the option buffers.
     */
    int loadData(MemorySegment moduleOut, MemorySegment image, int optionCount, MemorySegment options,
                 MemorySegment optionValues) {
        try (var kept = SignalHandlers.keepJvmHandlers()) {   // the PTX JIT is a compiler too
            return call(() -> (int) cuModuleLoadDataEx.invokeExact(moduleOut, image, optionCount, options, optionValues));
        }
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            MemorySegment cName = arena.allocateFrom(name);
            driver.check("cuModuleGetFunction(" + name + ")",
                    call(() -> (int) cuModuleGetFunction.invokeExact(out, module, cName)));
            return out.get(ADDRESS, 0);
        }
    }

    void unload(MemorySegment module) {
        driver.check("cuModuleUnload", call(() -> (int) cuModuleUnload.invokeExact(module)));
    }

    int attribute(MemorySegment function, int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            driver.check("cuFuncGetAttribute", call(() -> (int) cuFuncGetAttribute.invokeExact(out, attribute,
                    function)));
            return out.get(JAVA_INT, 0);
        }
    }

    void setAttribute(MemorySegment function, int attribute, int value) {
        driver.check("cuFuncSetAttribute", call(() -> (int) cuFuncSetAttribute.invokeExact(function, attribute,
                value)));
    }

    /** Whether this driver can list a kernel's parameters (12.4 and later). */
    boolean canListParameters() {
        return cuFuncGetParamInfo != null;
    }

    /**
     * The size in bytes of parameter {@code index}, or empty past the last parameter (the driver answers
     * CUDA_ERROR_INVALID_VALUE there). Call only when {@link #canListParameters()}.
     */
    OptionalLong parameterSize(MemorySegment function, long index) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offset = arena.allocate(JAVA_LONG);
            MemorySegment size = arena.allocate(JAVA_LONG);
            int rc = call(() -> (int) cuFuncGetParamInfo.invokeExact(function, index, offset, size));
            if (rc == CudaErrors.INVALID_VALUE) {
                return OptionalLong.empty();
            }
            driver.check("cuFuncGetParamInfo", rc);
            return OptionalLong.of(size.get(JAVA_LONG, 0));
        }
    }

    /** Queues a kernel; {@code parameters} is a void*[] of pointers to each argument's value, or NULL. */
    void launch(String kernelName, MemorySegment function, Dim3 grid, Dim3 block, int dynamicSharedBytes,
                MemorySegment stream, MemorySegment parameters) {
        launch(kernelName, function, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), dynamicSharedBytes,
                stream, parameters);
    }

    /**
     * {@link #launch(String, MemorySegment, Dim3, Dim3, int, MemorySegment, MemorySegment)} without allocating:
     * no lambda, and the call's name is built only when the driver reports an error.
     */
    void launch(String kernelName, MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                int blockZ, int dynamicSharedBytes, MemorySegment stream, MemorySegment parameters) {
        int result;
        try {
            result = (int) cuLaunchKernel.invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                    dynamicSharedBytes, stream, parameters, MemorySegment.NULL);
        } catch (Throwable t) {
            throw NativeLibrary.unchecked(t);
        }
        if (result != 0) {
            driver.check("cuLaunchKernel(" + kernelName + ")", result);
        }
    }
}
