package dev.loris.tornado.runtime.cuda;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;
import dev.loris.tornado.runtime.KernelSignature.Kind;
import dev.loris.tornado.runtime.KernelSignature;

/**
 * Launches on CUDA: the arguments live in a {@link PackedKernelArgs} (native slots written by each set), the
 * grid becomes blocks of the local size, and the launch goes through the allocation-free driver path.
 */
final class CudaKernelLaunch extends KernelLaunch {
    private final CudaFunction function;
    private final PackedKernelArgs arguments;
    /** Dynamic shared memory per block: the kernel's local arrays when they pass the 48 KiB static limit. */
    private final int dynamicSharedBytes;

    CudaKernelLaunch(CompiledKernel kernel, CudaFunction function, int dynamicSharedBytes) {
        super(kernel);
        this.function = function;
        this.dynamicSharedBytes = dynamicSharedBytes;
        this.arguments = new PackedKernelArgs(layout(signature));
    }

    /**
     * The PTX parameter list of the ABI, zero-valued: pointer and i64 length per array, one slot per scalar,
     * then the fault word and code base of a kernel with division checks.
     */
    private static KernelArgs layout(KernelSignature signature) {
        KernelArgs layout = KernelArgs.create();
        for (Kind kind : signature.kinds) {
            switch (kind) {
                case CONTEXT -> {
                }
                case ARRAY -> layout.pointer(0).i64(0);
                case INT -> layout.i32(0);
                case LONG -> layout.i64(0);
                case FLOAT -> layout.f32(0);
                case DOUBLE -> layout.f64(0);
            }
        }
        if (signature.faultSlot >= 0) {
            layout.pointer(0).i32(0);
        }
        return layout;
    }

    @Override
    protected void bindArray(int parameter, int slot, DeviceArray array) {
        arguments.setPointer(slot, ((CudaDeviceArray) array).address());
        arguments.setI64(slot + 1, array.length());
    }

    @Override
    protected void bindInt(int parameter, int slot, int value) {
        arguments.setI32(slot, value);
    }

    @Override
    protected void bindLong(int parameter, int slot, long value) {
        arguments.setI64(slot, value);
    }

    @Override
    protected void bindFloat(int parameter, int slot, float value) {
        arguments.setF32(slot, value);
    }

    @Override
    protected void bindDouble(int parameter, int slot, double value) {
        arguments.setF64(slot, value);
    }

    @Override
    protected void bindFaultWord(int slot, int codeBase) {
        arguments.setPointer(slot, ((CudaFaultWord) faultWord()).address());
        arguments.setI32(slot + 1, codeBase);
    }

    @Override
    protected void enqueue(int dims, long gx, long gy, long gz, int lx, int ly, int lz, DeviceStream stream) {
        function.launch(blocks(gx, lx), blocks(gy, ly), blocks(gz, lz), lx, ly, lz, dynamicSharedBytes,
                ((CudaDeviceStream) stream).cudaStream(), arguments);
    }

    private int blocks(long global, int local) {
        long blocks = global / local;
        if (blocks > Integer.MAX_VALUE) {
            throw new LorisException("cannot launch kernel " + signature.kernelName + ": " + blocks
                    + " blocks in one dimension", "CUDA grids hold at most 2^31-1 blocks in x (65535 in y and z)");
        }
        return (int) blocks;
    }
}
