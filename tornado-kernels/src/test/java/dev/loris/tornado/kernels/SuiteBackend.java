package dev.loris.tornado.kernels;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * The one thing the kernel-suite tests need from a backend: run a kernel method once over a grid with Java
 * arguments, leaving every Loris array argument holding what the kernel left in it. A stand-in until the
 * execution layer's Accelerator exists; the implementations are small on purpose so they can be swapped.
 *
 * <p>{@code javaArgs} are the kernel's parameters after the KernelContext, in order: Loris arrays, boxed
 * primitives. {@code constants} (parameter index in Java order, context included, to value) are the
 * arguments a device compiler may specialise on; they must equal the matching {@code javaArgs}. Global sizes
 * are in work-items and must be multiples of the local sizes.
 */
interface SuiteBackend {
    String name();

    void run(Method kernel, Map<Integer, Object> constants, int[] global, int[] local, Object... javaArgs);

    /** Whether kernels may use simd (warp) operations here. */
    boolean warpOperations();

    /** The largest single array this backend can hold, in bytes. */
    long maxArrayBytes();
}
