package dev.loris.tornado.runtime.cuda;

import dev.loris.LorisException;
import dev.loris.tornado.compiler.KernelCompiler;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.ArrayTypes;
import dev.loris.tornado.runtime.CachingAllocator;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.FaultWord;
import dev.loris.tornado.runtime.KernelSignature;
import dev.loris.tornado.runtime.PinnedHostArray;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * A CUDA GPU as an accelerator: arrays are device buffers from a caching allocator over cuMemAlloc, kernels
 * are PTX loaded through the driver's JIT, streams and events are CUDA's.
 *
 * <p>PTX targets the device's compute capability up to sm_90, the newest target of the PTX ISA the emitter
 * writes (8.0); newer GPUs get sm_90 code, which the driver's JIT compiles forward for them.
 */
public final class CudaAccelerator extends Accelerator {
    private final CudaDevice device;
    private final CachingAllocator<CudaBuffer> allocator;
    private final CudaDeviceStream defaultStream;

    private CudaAccelerator(CudaDevice device) {
        this.device = device;
        this.allocator = new CachingAllocator<>(CachingAllocator.RawMemory.of(device::allocate, CudaBuffer::close,
                CudaOutOfMemoryException.class));
        this.defaultStream = new CudaDeviceStream(this, device.defaultStream());
    }

    public static CudaAccelerator open(int ordinal) {
        return new CudaAccelerator(CudaDevice.open(ordinal));
    }

    /** The device underneath, for libraries that take CUDA pointers and streams (cuBLASLt). */
    public CudaDevice device() {
        return device;
    }

    @Override
    public Backend backend() {
        return Backend.CUDA;
    }

    @Override
    public String spec() {
        return "cuda:" + device.ordinal();
    }

    @Override
    public String description() {
        return device.toString();
    }

    @Override
    protected Graph optimisedGraph(Method kernel, Map<Integer, Object> fixed) {
        return KernelCompiler.devicePtxGraph(kernel, fixed);
    }

    /** "sm_90" for an H100: the device's compute capability, capped at what the emitted PTX ISA knows. */
    public String ptxTarget() {
        return PtxEmitter.targetFor(device.computeCapabilityMajor(), device.computeCapabilityMinor());
    }

    @Override
    public long maxArrayBytes() {
        return device.totalMemoryBytes();
    }

    @Override
    protected CachingAllocator<?> allocator() {
        return allocator;
    }

    @Override
    protected DeviceArray allocateArray(Class<? extends TornadoNativeArray> type, long length) {
        var allocation = allocator.allocate(length * ArrayTypes.elementBytes(type));
        return new CudaDeviceArray(this, type, length, allocation);
    }

    @Override
    protected CompiledKernel compileGraph(Method kernel, Map<Integer, Object> constants, Graph graph,
                                          KernelSignature signature) {
        String entry = PtxEmitter.entryName(graph.name);
        String ptx = PtxEmitter.emit(graph, new PtxEmitter.Options(ptxTarget(), false));
        int dynamicShared = PtxEmitter.dynamicSharedBytes(graph);
        CudaModule module = device.load(ptx);
        CudaFunction function = module.function(entry);
        if (dynamicShared > 0) {
            int limit = device.properties().sharedBytesPerBlockOptin() - function.staticSharedBytes();
            if (dynamicShared > limit) {
                throw new LorisException("kernel " + signature.kernelName + " needs " + dynamicShared + " bytes of "
                        + "local memory per work-group; " + device.name() + " gives a block at most " + limit,
                        "make the kernel's local arrays smaller (fewer pipeline stages or smaller tiles)");
            }
            function.setMaxDynamicSharedBytes(dynamicShared);
        }
        return compiledKernel(kernel, constants, signature, ptx,
                compiled -> new CudaKernelLaunch(compiled, function, dynamicShared));
    }

    @Override
    public DeviceStream defaultStream() {
        return defaultStream;
    }

    @Override
    protected DeviceStream newStream() {
        return new CudaDeviceStream(this, device.createStream());
    }

    /** A non-blocking CUDA stream: its copies overlap kernels on the default stream (events order the two). */
    @Override
    protected DeviceStream newCopyStream() {
        return new CudaDeviceStream(this, device.createNonBlockingStream());
    }

    /** Page-locked memory (cuMemHostAlloc), so asynchronous copies run at full speed beside kernels. */
    @Override
    protected PinnedHostArray.HostMemory allocateHostMemory(long bytes) {
        var segment = device.allocatePinned(bytes);
        return new PinnedHostArray.HostMemory(segment, () -> device.freePinned(segment));
    }

    @Override
    protected boolean isHostOutOfMemory(RuntimeException failure) {
        return failure instanceof CudaException e && e.code() == CudaErrors.OUT_OF_MEMORY;
    }

    @Override
    protected DeviceEvent newEvent() {
        return new CudaDeviceEvent(this, device.createEvent());
    }

    @Override
    protected FaultWord newFaultWord() {
        return new CudaFaultWord(device, spec());
    }

    @Override
    protected void waitForDevice() {
        device.synchronize();
    }

    @Override
    protected void closeDevice() {
        device.close();
    }
}
