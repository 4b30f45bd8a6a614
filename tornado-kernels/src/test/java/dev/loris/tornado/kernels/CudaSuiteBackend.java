package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.cuda.CudaBuffer;
import dev.loris.tornado.runtime.cuda.CudaDevice;
import dev.loris.tornado.runtime.cuda.CudaModule;
import dev.loris.tornado.runtime.cuda.Dim3;
import dev.loris.tornado.runtime.cuda.KernelArgs;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CUDA backend: KernelCompiler's PTX for the device's own architecture, loaded by the driver, every array
 * copied to fresh device memory before the launch and back after it. Modules are cached per kernel and
 * constants. Device 0 for the whole test run, left for the process exit to release.
 */
final class CudaSuiteBackend implements SuiteBackend {
    private final CudaDevice device = CudaDevice.open(0);
    private final Map<String, CudaModule> modules = new HashMap<>();

    @Override
    public String name() {
        return "CUDA (" + device.name() + ")";
    }

    @Override
    public synchronized void run(Method kernel, Map<Integer, Object> constants, int[] global, int[] local,
                                 Object... javaArgs) {
        CudaModule module = modules.computeIfAbsent(kernel + " " + constants, key -> load(kernel, constants));
        List<CudaBuffer> buffers = new ArrayList<>();
        List<TornadoNativeArray> arrays = new ArrayList<>();
        KernelArgs args = KernelArgs.create();
        try {
            ArgumentSink.pass(javaArgs, new Arguments(args, buffers, arrays));
            module.function(kernel.getName()).launch(grid(global, local), dims(local), 0, device.defaultStream(), args);
            device.synchronize();
            for (int i = 0; i < arrays.size(); i++) {
                if (arrays.get(i).getNumBytesOfSegment() > 0) {
                    buffers.get(i).copyTo(arrays.get(i).getSegment());
                }
            }
        } finally {
            buffers.forEach(CudaBuffer::close);
        }
    }

    @Override
    public boolean warpOperations() {
        return true;
    }

    @Override
    public long maxArrayBytes() {
        return device.totalMemoryBytes() / 2;
    }

    @Override
    public String toString() {
        return name();
    }

    private CudaModule load(Method kernel, Map<Integer, Object> constants) {
        String target = "sm_" + device.computeCapabilityMajor() + device.computeCapabilityMinor();
        return device.load(KernelCompiler.ptx(kernel, constants, new PtxEmitter.Options(target, false)));
    }

    private static Dim3 grid(int[] global, int[] local) {
        int[] blocks = new int[global.length];
        for (int d = 0; d < global.length; d++) {
            blocks[d] = global[d] / local[d];
        }
        return dims(blocks);
    }

    private static Dim3 dims(int[] extents) {
        return new Dim3(extents[0], extents.length > 1 ? extents[1] : 1, extents.length > 2 ? extents[2] : 1);
    }

    /** Adds the kernel's arguments in ABI order, uploading each array to new device memory. */
    private final class Arguments implements ArgumentSink {
        private final KernelArgs args;
        private final List<CudaBuffer> buffers;
        private final List<TornadoNativeArray> arrays;

        Arguments(KernelArgs args, List<CudaBuffer> buffers, List<TornadoNativeArray> arrays) {
            this.args = args;
            this.buffers = buffers;
            this.arrays = arrays;
        }

        @Override
        public void array(TornadoNativeArray array) {
            CudaBuffer buffer = device.allocate(Math.max(1, array.getNumBytesOfSegment()));
            buffers.add(buffer);
            arrays.add(array);
            if (array.getNumBytesOfSegment() > 0) {
                buffer.copyFrom(array.getSegment());
            }
            args.pointer(buffer).i64(array.length());
        }

        @Override
        public void i32(int value) {
            args.i32(value);
        }

        @Override
        public void i64(long value) {
            args.i64(value);
        }

        @Override
        public void f32(float value) {
            args.f32(value);
        }

        @Override
        public void f64(double value) {
            args.f64(value);
        }
    }
}
