package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.types.arrays.NativeArrayException;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.ArrayTypes;
import dev.loris.tornado.runtime.CachingAllocator;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelSignature;
import dev.loris.tornado.runtime.Units;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * The JVM as an accelerator: device arrays are host arrays (mirrors are the caller's arrays themselves),
 * kernels run as Java through {@link JvmKernelRunner}, and every operation is finished when it returns.
 *
 * <p>Kernels still go through the compiler's front end, for two reasons: a kernel that would not compile for
 * a device fails here too, and the graph shows whether work-items wait for each other (barriers, local
 * arrays, simd operations), which decides between the runner's COOPERATIVE mode (a virtual thread per
 * work-item) and the far cheaper INDEPENDENT mode. Arrays allocated here come from a caching allocator over
 * 64-byte aligned off-heap blocks, freed when the cache is emptied or the accelerator closes.
 */
public final class JvmAccelerator extends Accelerator {
    /** An off-heap block and the arena that frees it. */
    record HostBlock(Arena arena, MemorySegment segment) {
    }

    private final CachingAllocator<HostBlock> allocator = new CachingAllocator<>(new HostMemory());
    private final DeviceStream defaultStream = new JvmDeviceStream(this);

    public JvmAccelerator() {
    }

    @Override
    public Backend backend() {
        return Backend.JVM;
    }

    @Override
    public String spec() {
        return "jvm";
    }

    @Override
    public String description() {
        return "JVM (" + Runtime.getRuntime().availableProcessors() + " cores)";
    }

    @Override
    public boolean sharesHostMemory() {
        return true;
    }

    @Override
    protected CachingAllocator<?> allocator() {
        return allocator;
    }

    @Override
    protected DeviceArray allocateArray(Class<? extends TornadoNativeArray> type, long length) {
        var allocation = allocator.allocate(length * ArrayTypes.elementBytes(type));
        return new JvmDeviceArray(this, type, length, allocation);
    }

    @Override
    protected DeviceArray mirrorArray(TornadoNativeArray host) {
        return new JvmDeviceArray(this, host);
    }

    @Override
    protected CompiledKernel compileGraph(Method kernel, Map<Integer, Object> constants, Graph graph,
                                          KernelSignature signature) {
        JvmKernelRunner.Mode mode = needsCooperation(graph) ? JvmKernelRunner.Mode.COOPERATIVE
                : JvmKernelRunner.Mode.INDEPENDENT;
        MethodHandle handle;
        try {
            kernel.setAccessible(true);
            handle = MethodHandles.lookup().unreflect(kernel);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new IllegalStateException("cannot call kernel " + signature.kernelName + " reflectively", e);
        }
        MethodHandle bodies = DirectKernelBodies.factory(kernel);
        return compiledKernel(kernel, constants, signature, "",
                compiled -> new JvmKernelLaunch(compiled, handle, bodies, mode));
    }

    /** Whether any work-item may wait for another: a barrier, a local array, a simd exchange or a tile operation. */
    static boolean needsCooperation(Graph graph) {
        for (Block block : graph.blocks) {
            for (Value value : block.values) {
                switch (value.op) {
                    case BARRIER, LOCAL_ARRAY, SHUFFLE_DOWN, SHUFFLE_XOR, SHUFFLE_IDX -> {
                        return true;
                    }
                    default -> {
                        if (value.op.isTileOperation()) {
                            return true; // warp-wide, and async copies keep state in the work-item's context
                        }
                    }
                }
            }
        }
        return false;
    }

    @Override
    public DeviceStream defaultStream() {
        return defaultStream;
    }

    @Override
    protected DeviceStream newStream() {
        return new JvmDeviceStream(this);
    }

    @Override
    protected DeviceEvent newEvent() {
        return new JvmDeviceEvent(this);
    }

    @Override
    protected void waitForDevice() {
        // every operation completed before it returned
    }

    @Override
    protected void closeDevice() {
        // nothing beyond the allocator's blocks
    }

    /** Off-heap blocks, each in its own arena so that freeing one is immediate and later use throws. */
    private static final class HostMemory implements CachingAllocator.RawMemory<HostBlock> {
        @Override
        public HostBlock allocate(long bytes) {
            Arena arena = Arena.ofShared();
            try {
                return new HostBlock(arena, arena.allocate(bytes, TornadoNativeArray.ALIGNMENT));
            } catch (OutOfMemoryError e) {
                arena.close();
                throw new NativeArrayException("the JVM accelerator cannot allocate " + Units.bytes(bytes)
                        + " off-heap", "free memory, or use smaller arrays (fewer tokens per step)", e);
            }
        }

        @Override
        public void free(HostBlock block) {
            block.arena().close();
        }

        @Override
        public boolean isOutOfMemory(RuntimeException failure) {
            return failure instanceof NativeArrayException && failure.getCause() instanceof OutOfMemoryError;
        }
    }
}
