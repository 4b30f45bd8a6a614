package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;


/**
 * Launches on OpenCL: each launcher has its own kernel object (OpenCL keeps arguments per kernel object, so
 * two launchers of one kernel cannot disturb each other), arguments are set on it as they are given, and
 * launches reuse the launcher's size arrays.
 */
final class OpenClKernelLaunch extends KernelLaunch {
    private final OpenClKernel clKernel;
    /** Global and local sizes per dimension count (index 0: 1D), reused by every launch. */
    private final long[][] global = {new long[1], new long[2], new long[3]};
    private final long[][] local = {new long[1], new long[2], new long[3]};

    OpenClKernelLaunch(CompiledKernel kernel, OpenClKernel clKernel) {
        super(kernel);
        this.clKernel = clKernel;
    }

    @Override
    protected void bindArray(int parameter, int slot, DeviceArray array) {
        clKernel.setBuffer(slot, ((OpenClDeviceArray) array).buffer());
        clKernel.setLong(slot + 1, array.length());
    }

    @Override
    protected void bindInt(int parameter, int slot, int value) {
        clKernel.setInt(slot, value);
    }

    @Override
    protected void bindLong(int parameter, int slot, long value) {
        clKernel.setLong(slot, value);
    }

    @Override
    protected void bindFloat(int parameter, int slot, float value) {
        clKernel.setFloat(slot, value);
    }

    @Override
    protected void bindDouble(int parameter, int slot, double value) {
        clKernel.setDouble(slot, value);
    }

    @Override
    protected void bindFaultWord(int slot, int codeBase) {
        clKernel.setBuffer(slot, ((OpenClFaultWord) faultWord()).buffer());
        clKernel.setInt(slot + 1, codeBase);
    }

    @Override
    protected void enqueue(int dims, long gx, long gy, long gz, int lx, int ly, int lz, DeviceStream stream) {
        long[] g = global[dims - 1];
        long[] l = local[dims - 1];
        g[0] = gx;
        l[0] = lx;
        if (dims > 1) {
            g[1] = gy;
            l[1] = ly;
        }
        if (dims > 2) {
            g[2] = gz;
            l[2] = lz;
        }
        clKernel.enqueue(g, l);
    }

    @Override
    public void close() {
        clKernel.close();
    }
}
