package dev.loris.tornado.runtime;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.function.Function;

/**
 * A kernel method compiled for one {@link Accelerator} with some scalar parameters fixed: make
 * {@link KernelLaunch}es from it, one per call site that launches it (each keeps its own arguments).
 */
public final class CompiledKernel {
    private final Accelerator accelerator;
    private final Method method;
    private final Map<Integer, Object> constants;
    private final KernelSignature signature;
    private final String source;
    private final Function<CompiledKernel, KernelLaunch> launches;

    CompiledKernel(Accelerator accelerator, Method method, Map<Integer, Object> constants, KernelSignature signature,
                   String source, Function<CompiledKernel, KernelLaunch> launches) {
        this.accelerator = accelerator;
        this.method = method;
        this.constants = constants;
        this.signature = signature;
        this.source = source;
        this.launches = launches;
    }

    public Accelerator accelerator() {
        return accelerator;
    }

    public Method method() {
        return method;
    }

    /** The parameters fixed at compile time: Java parameter index to value. */
    public Map<Integer, Object> constants() {
        return constants;
    }

    /** "Class.method", as errors name the kernel. */
    public String name() {
        return signature.kernelName;
    }

    public int parameterCount() {
        return signature.parameterCount();
    }

    /** The generated device code (PTX or OpenCL C), empty on the JVM, for --debug output and bug reports. */
    public String source() {
        return source;
    }

    /** A new launcher with no arguments set except the fixed constants; reuse it for every launch. */
    public KernelLaunch launcher() {
        accelerator.requireOpen();
        return launches.apply(this);
    }

    KernelSignature signature() {
        return signature;
    }

    @Override
    public String toString() {
        return "kernel " + name() + (constants.isEmpty() ? "" : " with constants " + constants) + " on "
                + accelerator.spec();
    }
}
