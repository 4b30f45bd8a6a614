package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.runtime.opencl.OpenClBuffer;
import dev.loris.tornado.runtime.opencl.OpenClDevice;
import dev.loris.tornado.runtime.opencl.OpenClKernel;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenCL backend: KernelCompiler's OpenCL C built on the default device (PoCL here), every array copied
 * to a fresh buffer before the launch and copied back after it. Built kernels are cached per kernel and
 * constants. One device for the whole test run, left for the process exit to release.
 */
final class OpenClSuiteBackend implements SuiteBackend {
    private final OpenClDevice device = OpenClDevice.openDefault();
    private final Map<String, OpenClKernel> kernels = new HashMap<>();

    @Override
    public String name() {
        return "OpenCL (" + device.name() + ")";
    }

    @Override
    public synchronized void run(Method kernel, Map<Integer, Object> constants, int[] global, int[] local,
                                 Object... javaArgs) {
        OpenClKernel built = kernels.computeIfAbsent(kernel + " " + constants, key -> build(kernel, constants));
        List<OpenClBuffer> buffers = new ArrayList<>();
        List<TornadoNativeArray> arrays = new ArrayList<>();
        try {
            ArgumentSink.pass(javaArgs, new Arguments(built, buffers, arrays));
            built.enqueue(sizes(global), sizes(local));
            device.finish();
            for (int i = 0; i < arrays.size(); i++) {
                if (arrays.get(i).getNumBytesOfSegment() > 0) {
                    buffers.get(i).read(arrays.get(i).getSegment());
                }
            }
        } finally {
            buffers.forEach(OpenClBuffer::close);
        }
    }

    @Override
    public boolean warpOperations() {
        return false; // the OpenCL emitter has no lowering for shuffles yet (and PoCL's CPU device no sub-groups)
    }

    @Override
    public long maxArrayBytes() {
        return device.maxAllocBytes();
    }

    @Override
    public String toString() {
        return name();
    }

    private OpenClKernel build(Method kernel, Map<Integer, Object> constants) {
        return device.build(KernelCompiler.openCl(kernel, constants), "").kernel(OpenClEmitter.entryName(kernel.getName()));
    }

    private static long[] sizes(int[] dims) {
        long[] sizes = new long[dims.length];
        for (int d = 0; d < dims.length; d++) {
            sizes[d] = dims[d];
        }
        return sizes;
    }

    /** Sets the kernel's arguments in ABI order, uploading each array to a new buffer. */
    private final class Arguments implements ArgumentSink {
        private final OpenClKernel kernel;
        private final List<OpenClBuffer> buffers;
        private final List<TornadoNativeArray> arrays;
        private int slot;

        Arguments(OpenClKernel kernel, List<OpenClBuffer> buffers, List<TornadoNativeArray> arrays) {
            this.kernel = kernel;
            this.buffers = buffers;
            this.arrays = arrays;
        }

        @Override
        public void array(TornadoNativeArray array) {
            OpenClBuffer buffer = device.allocate(Math.max(1, array.getNumBytesOfSegment()));
            buffers.add(buffer);
            arrays.add(array);
            if (array.getNumBytesOfSegment() > 0) {
                buffer.write(array.getSegment());
            }
            kernel.setBuffer(slot++, buffer);
            kernel.setLong(slot++, array.length());
        }

        @Override
        public void i32(int value) {
            kernel.setInt(slot++, value);
        }

        @Override
        public void i64(long value) {
            kernel.setLong(slot++, value);
        }

        @Override
        public void f32(float value) {
            kernel.setFloat(slot++, value);
        }

        @Override
        public void f64(double value) {
            kernel.setDouble(slot++, value);
        }
    }
}
