package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.FUNC_LOCAL_SIZE_BYTES;
import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.FUNC_MAX_THREADS_PER_BLOCK;
import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.FUNC_NUM_REGS;
import static dev.loris.tornado.runtime.cuda.CudaModuleBindings.FUNC_SHARED_SIZE_BYTES;

/**
 * One kernel of a loaded module: its resource use as the JIT compiled it, and launches.
 *
 * <p>Launches check what the driver would otherwise turn into an opaque CUDA_ERROR_INVALID_VALUE or, worse,
 * a kernel reading garbage: the block size against this kernel's limit, and (on drivers that can list a
 * kernel's parameters, 12.4 and later) the number and sizes of the arguments. Launches are asynchronous:
 * errors inside the kernel surface at the next synchronisation.
 */
public final class CudaFunction {
    /** No real kernel has this many parameters (the 32 KiB parameter space holds at most 8191). */
    private static final int MAX_PARAMETERS = 8192;

    private final CudaModule module;
    private final String name;
    private final MemorySegment handle;
    private final int registers;
    private final int staticSharedBytes;
    private final int localBytes;
    private final int maxThreadsPerBlock;
    private final List<Long> parameterSizes;

    CudaFunction(CudaModule module, String name, MemorySegment handle) {
        this.module = module;
        this.name = name;
        this.handle = handle;
        CudaModuleBindings api = module.device().bindings().modules();
        registers = api.attribute(handle, FUNC_NUM_REGS);
        staticSharedBytes = api.attribute(handle, FUNC_SHARED_SIZE_BYTES);
        localBytes = api.attribute(handle, FUNC_LOCAL_SIZE_BYTES);
        maxThreadsPerBlock = api.attribute(handle, FUNC_MAX_THREADS_PER_BLOCK);
        parameterSizes = listParameters(api, handle);
    }

    /**
     * Sizes of the kernel's parameters, or null when the driver cannot list them (then launches trust us).
     * An empty listing counts as unknown too: it looks the same as a driver refusing index 0, and checking
     * against it would reject every argument; a kernel without parameters loses nothing by it.
     */
    private static List<Long> listParameters(CudaModuleBindings api, MemorySegment handle) {
        if (!api.canListParameters()) {
            return null;
        }
        List<Long> sizes = new ArrayList<>();
        try {
            for (int index = 0; index < MAX_PARAMETERS; index++) {
                OptionalLong size = api.parameterSize(handle, index);
                if (size.isEmpty()) {
                    return sizes.isEmpty() ? null : List.copyOf(sizes);
                }
                sizes.add(size.getAsLong());
            }
        } catch (CudaException unexpected) {
            // The listing is a safety net, not a requirement: a driver that refuses it leaves launches unchecked.
        }
        return null;
    }

    public String name() {
        return name;
    }

    public CudaModule module() {
        return module;
    }

    /** Registers per thread. */
    public int registers() {
        return registers;
    }

    /** Statically declared shared memory per block. */
    public int staticSharedBytes() {
        return staticSharedBytes;
    }

    /** Local memory per thread: register spills and local arrays. */
    public int localBytes() {
        return localBytes;
    }

    /** The largest block this kernel can run, given its registers; at most the device's limit. */
    public int maxThreadsPerBlock() {
        return maxThreadsPerBlock;
    }

    /** Each parameter's size in bytes, when the driver can tell (12.4 and later). */
    public Optional<List<Long>> parameterSizes() {
        return Optional.ofNullable(parameterSizes);
    }

    /**
     * Allows launches with up to {@code bytes} of dynamic shared memory; above 48 KiB the driver requires
     * this opt-in, up to the device's {@code sharedBytesPerBlockOptin} minus the static shared memory.
     */
    public void setMaxDynamicSharedBytes(int bytes) {
        MemorySegment function = handle();
        module.device().makeCurrent();
        module.device().bindings().modules().setAttribute(function, FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
    }

    /**
     * Queues the kernel on {@code stream} over {@code grid} blocks of {@code block} threads, each block with
     * {@code dynamicSharedBytes} of dynamic shared memory; returns before it runs.
     */
    public void launch(Dim3 grid, Dim3 block, int dynamicSharedBytes, CudaStream stream, KernelArgs args) {
        MemorySegment function = handle();
        CudaDevice device = module.device();
        device.requireOwn(stream);
        if (block.count() > maxThreadsPerBlock) {
            throw new IllegalArgumentException("kernel " + name + " runs at most " + maxThreadsPerBlock
                    + " threads per block (it uses " + registers + " registers per thread), got a block of " + block);
        }
        if (dynamicSharedBytes < 0) {
            throw new IllegalArgumentException("negative dynamic shared memory for kernel " + name);
        }
        checkArguments(args);
        device.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            device.bindings().modules().launch(name, function, grid, block, dynamicSharedBytes, stream.handle(),
                    args.pack(arena));
        }
    }

    /**
     * {@link #launch(Dim3, Dim3, int, CudaStream, KernelArgs)} for launches in a loop: the shape as ints and
     * the arguments from {@code args}' native memory, so nothing is allocated on the Java heap. The argument
     * list is checked against the kernel's parameters on its first launch of this kernel.
     */
    public void launch(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int dynamicSharedBytes,
                       CudaStream stream, PackedKernelArgs args) {
        MemorySegment function = handle();
        CudaDevice device = module.device();
        device.requireOwn(stream);
        if (gridX < 1 || gridY < 1 || gridZ < 1 || blockX < 1 || blockY < 1 || blockZ < 1) {
            throw new IllegalArgumentException("kernel " + name + ": launch dimensions must be at least 1, got grid "
                    + gridX + "x" + gridY + "x" + gridZ + " and block " + blockX + "x" + blockY + "x" + blockZ);
        }
        if ((long) blockX * blockY * blockZ > maxThreadsPerBlock) {
            throw new IllegalArgumentException("kernel " + name + " runs at most " + maxThreadsPerBlock
                    + " threads per block (it uses " + registers + " registers per thread), got a block of "
                    + blockX + "x" + blockY + "x" + blockZ);
        }
        if (dynamicSharedBytes < 0) {
            throw new IllegalArgumentException("negative dynamic shared memory for kernel " + name);
        }
        if (args.checkedFor != this) {
            checkArguments(args.layout());
            args.checkedFor = this;
        }
        device.makeCurrent();
        device.bindings().modules().launch(name, function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                dynamicSharedBytes, stream.handle(), args.pointers());
    }

    private void checkArguments(KernelArgs args) {
        if (parameterSizes == null) {
            return;
        }
        if (args.count() != parameterSizes.size()) {
            throw new IllegalArgumentException("kernel " + name + " takes " + parameterSizes.size()
                    + " parameters of sizes " + parameterSizes + ", got " + args.count() + " arguments " + args);
        }
        for (int i = 0; i < args.count(); i++) {
            if (args.byteSize(i) != parameterSizes.get(i)) {
                throw new IllegalArgumentException("kernel " + name + " parameter " + i + " is "
                        + parameterSizes.get(i) + " bytes, argument " + i + " is " + args.byteSize(i)
                        + " bytes: " + args);
            }
        }
    }

    private MemorySegment handle() {
        module.handle();
        return handle;
    }

    @Override
    public String toString() {
        return "kernel " + name + " (" + registers + " registers, " + staticSharedBytes + " B shared, " + localBytes
                + " B local)";
    }
}
