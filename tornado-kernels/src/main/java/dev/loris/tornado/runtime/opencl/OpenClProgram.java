package dev.loris.tornado.runtime.opencl;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * OpenCL C source compiled for one device by {@link OpenClDevice#build(String, String)}; it makes kernels.
 *
 * <p>Kernels hold their own reference to the program in the driver, so closing the program while its
 * kernels are open is safe: they keep working until they are closed.
 */
public final class OpenClProgram extends OpenClResource {
    private final String buildLog;

    OpenClProgram(OpenClDevice device, MemorySegment handle, String buildLog) {
        super(device, handle);
        this.buildLog = buildLog;
    }

    /** The compiler's output on success: usually empty, else warnings worth reading. */
    public String buildLog() {
        return buildLog;
    }

    /** The names of the program's __kernel functions. */
    public List<String> kernelNames() {
        String names = device.cl().programString(handle(), OpenCl.CL_PROGRAM_KERNEL_NAMES);
        return names.isEmpty() ? List.of() : Arrays.asList(names.split(";"));
    }

    /** A new kernel object for the __kernel function {@code name}, owned by the device. */
    public OpenClKernel kernel(String name) {
        MemorySegment kernel;
        try {
            kernel = device.cl().createKernel(handle(), name);
        } catch (OpenClException e) {
            if (e.code() != OpenClErrors.CL_INVALID_KERNEL_NAME) {
                throw e;
            }
            throw new OpenClException(e.code(), "the OpenCL program has no kernel '" + name + "': "
                    + OpenClException.codeText(e.code()) + "; it has " + kernelNames(),
                    "the kernel name must match a __kernel function of the source");
        }
        return device.track(new OpenClKernel(device, kernel, name));
    }

    @Override
    void release(OpenCl cl, MemorySegment handle) {
        cl.releaseProgram(handle);
    }
}
