package dev.loris.tornado.runtime;

import dev.loris.testing.SteadyStateAllocation;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.examples.ExampleKernels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady-state launches on CUDA and OpenCL allocate nothing on the Java heap: a training step launches
 * thousands of kernels, and garbage per launch would mean collections in the middle of steps. Measured with
 * the thread's allocation counter ({@link SteadyStateAllocation}) over 1000 launches that also change a scalar
 * and an array argument, after enough launches for the JIT to compile the path.
 */
class LaunchAllocationTest {
    private static final int LAUNCHES = 1000;

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void steadyStateLaunchesAllocateNothing(String spec) {
        Assumptions.assumeFalse(spec.equals("jvm"), "the JVM backend runs kernels on new virtual threads: it "
                + "allocates per launch by design");
        int n = 256;
        try (Accelerator acc = Accelerator.open(spec); DeviceArray x = acc.upload(new FloatArray(n));
             DeviceArray y = acc.upload(new FloatArray(n)); DeviceArray out1 = acc.allocate(FloatArray.class, n);
             DeviceArray out2 = acc.allocate(FloatArray.class, n)) {
            KernelLaunch axpy = acc.compile(ExampleKernels.class, "axpy", Map.of()).launcher();
            axpy.set(1, 1f).set(2, x).set(3, y).set(4, out1).set(5, n);
            DeviceStream stream = acc.defaultStream();
            long allocated = SteadyStateAllocation.lastRoundBytes(acc, LAUNCHES,
                    i -> axpy.set(1, (float) i).set(4, (i & 1) == 0 ? out1 : out2).launch(n, 64, stream));
            System.out.println(spec + ": " + allocated + " bytes allocated over " + LAUNCHES + " launches");
            assertTrue(allocated < LAUNCHES, spec + ": " + allocated + " bytes allocated over " + LAUNCHES
                    + " launches, i.e. something per launch");
        }
    }
}
