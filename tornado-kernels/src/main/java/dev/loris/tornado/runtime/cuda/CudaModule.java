package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.JIT_ERROR_LOG_BUFFER;
import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.JIT_INFO_LOG_BUFFER;
import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.JIT_INFO_LOG_BUFFER_SIZE_BYTES;
import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.JIT_LOG_VERBOSE;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * PTX compiled by the driver's JIT for one device, and the kernels in it. The JIT runs verbose, so
 * {@link #jitInfoLog()} reports registers, spills and shared memory per kernel ("ptxas info : Used 12
 * registers"). Closing it unloads the code; its {@link CudaFunction}s are unusable afterwards.
 */
public final class CudaModule extends CudaResource {
    /** Per log buffer; a JIT log that long is already unreadable, and the driver truncates the rest. */
    private static final int LOG_BYTES = 64 * 1024;

    private final MemorySegment handle;
    private final String jitInfoLog;

    private CudaModule(CudaDevice device, MemorySegment handle, String jitInfoLog) {
        super(device);
        this.handle = handle;
        this.jitInfoLog = jitInfoLog;
    }

    /** Runs the JIT with both log buffers; the device's context must be current. */
    static CudaModule load(CudaDevice device, String ptx) {
        try (Arena arena = Arena.ofConfined()) {
            // One spare byte past what the driver may write keeps the logs NUL-terminated in any case.
            MemorySegment infoLog = arena.allocate(LOG_BYTES + 1);
            MemorySegment errorLog = arena.allocate(LOG_BYTES + 1);
            MemorySegment options = arena.allocateFrom(JAVA_INT, JIT_INFO_LOG_BUFFER, JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                    JIT_ERROR_LOG_BUFFER, JIT_ERROR_LOG_BUFFER_SIZE_BYTES, JIT_LOG_VERBOSE);
            // Each option value is a void*: buffers by address, sizes and flags as integers cast to void*.
            MemorySegment values = arena.allocateFrom(JAVA_LONG, infoLog.address(), LOG_BYTES,
                    errorLog.address(), LOG_BYTES, 1);
            MemorySegment moduleOut = arena.allocate(ADDRESS);
            int result = device.bindings().modules().loadData(moduleOut, arena.allocateFrom(ptx),
                    (int) (options.byteSize() / JAVA_INT.byteSize()), options, values);
            if (result != 0) {
                throw new CudaModuleLoadException(device, result, device.driver().errorName(result),
                        errorLog.getString(0), ptx);
            }
            return new CudaModule(device, moduleOut.get(ADDRESS, 0), infoLog.getString(0));
        }
    }

    /** The JIT's informational log (verbose): per-kernel registers, spills, shared and constant memory. */
    public String jitInfoLog() {
        return jitInfoLog;
    }

    /** The kernel {@code name} (its .entry name in the PTX); CUDA_ERROR_NOT_FOUND when there is none. */
    public CudaFunction function(String name) {
        MemorySegment module = handle();
        device.makeCurrent();
        return new CudaFunction(this, name, device.bindings().modules().function(module, name));
    }

    MemorySegment handle() {
        requireOpen();
        return handle;
    }

    @Override
    void release() {
        device.bindings().modules().unload(handle);
    }

    @Override
    public String toString() {
        return "module 0x" + Long.toHexString(handle.address()) + " on " + device;
    }
}
