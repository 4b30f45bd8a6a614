package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.compiler.KernelCompiler;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.ArrayTypes;
import dev.loris.tornado.runtime.CachingAllocator;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.FaultWord;
import dev.loris.tornado.runtime.KernelSignature;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * An OpenCL device as an accelerator: arrays are buffers from a caching allocator over clCreateBuffer,
 * kernels are OpenCL C built for the device, and every stream is the device's one in-order, profiled queue
 * (so streams never overlap, and an array released on one is never reused under work of another).
 *
 * <p>Programs are built with {@link OpenClDevice#javaFloatOptions()}, so float division and square root
 * round as Java's do where the device allows it.
 */
public final class OpenClAccelerator extends Accelerator {
    private final OpenClDevice device;
    private final String spec;
    private final CachingAllocator<OpenClBuffer> allocator;
    private final DeviceStream defaultStream;

    private OpenClAccelerator(OpenClDevice device, String spec) {
        this.device = device;
        this.spec = spec;
        this.allocator = new CachingAllocator<>(CachingAllocator.RawMemory.of(device::allocate, OpenClBuffer::close,
                OpenClAllocationException.class));
        this.defaultStream = new OpenClDeviceStream(this);
    }

    /** Device {@code index} over all platforms, as spec "opencl:index". */
    public static OpenClAccelerator openAt(int index) {
        return new OpenClAccelerator(OpenClDevice.openAt(index), "opencl:" + index);
    }

    public OpenClDevice device() {
        return device;
    }

    @Override
    public Backend backend() {
        return Backend.OPENCL;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    protected Graph optimisedGraph(Method kernel, Map<Integer, Object> fixed) {
        return KernelCompiler.deviceOpenClGraph(kernel, fixed);
    }

    @Override
    public String description() {
        return "OpenCL device " + spec.substring("opencl:".length()) + " (" + device.name() + ", "
                + device.platformName() + ")";
    }

    @Override
    public long maxArrayBytes() {
        return device.maxAllocBytes();
    }

    @Override
    protected CachingAllocator<?> allocator() {
        return allocator;
    }

    @Override
    protected DeviceArray allocateArray(Class<? extends TornadoNativeArray> type, long length) {
        var allocation = allocator.allocate(length * ArrayTypes.elementBytes(type));
        return new OpenClDeviceArray(this, type, length, allocation);
    }

    @Override
    protected CompiledKernel compileGraph(Method kernel, Map<Integer, Object> constants, Graph graph,
                                          KernelSignature signature) {
        OpenClKernelBuild built = OpenClKernelBuild.of(device, graph, device.javaFloatOptions());
        return compiledKernel(kernel, constants, signature, built.source(),
                compiled -> new OpenClKernelLaunch(compiled, built.program().kernel(built.entry())));
    }

    @Override
    public DeviceStream defaultStream() {
        return defaultStream;
    }

    /** Another view of the device's one queue: OpenCL streams do not overlap here (see the class comment). */
    @Override
    protected DeviceStream newStream() {
        return new OpenClDeviceStream(this);
    }

    @Override
    protected DeviceEvent newEvent() {
        return new OpenClDeviceEvent(this);
    }

    @Override
    protected FaultWord newFaultWord() {
        return new OpenClFaultWord(device, spec());
    }

    @Override
    protected void waitForDevice() {
        device.finish();
    }

    @Override
    protected void closeDevice() {
        device.close();
    }
}
