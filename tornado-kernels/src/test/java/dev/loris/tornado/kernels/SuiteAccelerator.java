package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.BackendStatus;
import dev.loris.tornado.runtime.Backends;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.KernelLaunch;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One {@link Accelerator} as the kernel-suite tests use it: run a kernel once over a grid with host arguments,
 * through the public path a trainer takes (compile, mirror and copy arrays, set arguments, launch), leaving
 * every host array holding what the kernel left in it. On the JVM a mirror is the host array itself, so
 * nothing is copied; elsewhere each array goes to device memory before the launch and comes back after it.
 *
 * <p>The accelerators are opened once per JVM and left for the process exit to release: the JVM always,
 * OpenCL (the first GPU, else the first device) and CUDA device 0 when present. A missing backend is
 * reported once on stdout; a missing OpenCL fails under CI=true, as {@link dev.loris.testing.RequiresOpenCl}
 * does, so a broken install cannot pass as skips.
 */
final class SuiteAccelerator {
    private static List<SuiteAccelerator> available;

    private final Accelerator accelerator;

    private SuiteAccelerator(Accelerator accelerator) {
        this.accelerator = accelerator;
    }

    /** The argument source of {@link AcrossBackends}. */
    static synchronized Stream<SuiteAccelerator> available() {
        if (available == null) {
            available = open();
        }
        return available.stream();
    }

    private static List<SuiteAccelerator> open() {
        List<SuiteAccelerator> accelerators = new ArrayList<>();
        accelerators.add(new SuiteAccelerator(Accelerator.open("jvm")));
        BackendStatus openCl = Backends.probeOpenCl();
        if (openCl.available()) {
            accelerators.add(new SuiteAccelerator(Accelerator.open("opencl")));
        } else if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but no OpenCL device: " + openCl.missingReason());
        } else {
            System.out.println("kernel suite: not running on OpenCL: " + openCl.missingReason());
        }
        BackendStatus cuda = Backends.probeCuda();
        if (cuda.available()) {
            accelerators.add(new SuiteAccelerator(Accelerator.open("cuda")));
        } else {
            System.out.println("kernel suite: not running on CUDA: " + cuda.missingReason());
        }
        return List.copyOf(accelerators);
    }

    /** The accelerator itself, for tests that drive launches directly. */
    Accelerator accelerator() {
        return accelerator;
    }

    Accelerator.Backend backend() {
        return accelerator.backend();
    }

    String name() {
        return accelerator.description();
    }

    /** The largest single array this accelerator takes, in bytes. */
    long maxArrayBytes() {
        return accelerator.maxArrayBytes();
    }

    /**
     * Runs {@code kernel} once and waits for it. {@code hostArgs} are its parameters after the KernelContext,
     * in order: Loris arrays and boxed scalars. Global sizes count work-items, multiples of the local sizes.
     * A kernel this backend cannot compile fails here, before any memory is allocated.
     */
    void run(Method kernel, int[] global, int[] local, Object... hostArgs) {
        run(kernel, java.util.Map.of(), global, local, hostArgs);
    }

    /** As above with parameters fixed as compile-time constants (Java parameter index to value). */
    void run(Method kernel, java.util.Map<Integer, Object> constants, int[] global, int[] local, Object... hostArgs) {
        CompiledKernel compiled = accelerator.compile(kernel, specialised(kernel, constants, hostArgs));
        Object[] arguments = new Object[hostArgs.length + 1]; // [0] is the KernelContext, which takes nothing
        List<DeviceArray> mirrors = new ArrayList<>();
        try (KernelLaunch launch = compiled.launcher()) {
            for (int i = 0; i < hostArgs.length; i++) {
                arguments[i + 1] = hostArgs[i];
                if (hostArgs[i] instanceof TornadoNativeArray host) {
                    DeviceArray mirror = accelerator.mirror(host);
                    mirrors.add(mirror);
                    mirror.copyFrom(host);
                    arguments[i + 1] = mirror;
                }
            }
            launch.setArguments(arguments).launch(sizes(global), sizes(local), accelerator.defaultStream());
            accelerator.synchronize();
            for (int i = 0, m = 0; i < hostArgs.length; i++) {
                if (hostArgs[i] instanceof TornadoNativeArray host) {
                    mirrors.get(m++).copyTo(host);
                }
            }
        } finally {
            mirrors.forEach(DeviceArray::close);
        }
    }

    /** {@code constants} plus, for each FloatingPointArray parameter, the class of the host array passed. */
    static java.util.Map<Integer, Object> specialised(Method kernel, java.util.Map<Integer, Object> constants,
                                                      Object[] hostArgs) {
        java.util.Map<Integer, Object> all = new java.util.HashMap<>(constants);
        Class<?>[] types = kernel.getParameterTypes();
        for (int i = 0; i < hostArgs.length; i++) {
            if (types[i + 1] == FloatingPointArray.class) {
                all.put(i + 1, hostArgs[i].getClass());
            }
        }
        return all;
    }

    private static long[] sizes(int[] dims) {
        long[] sizes = new long[dims.length];
        for (int d = 0; d < dims.length; d++) {
            sizes[d] = dims[d];
        }
        return sizes;
    }

    @Override
    public String toString() {
        return name();
    }
}
