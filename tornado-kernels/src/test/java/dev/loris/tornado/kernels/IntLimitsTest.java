package dev.loris.tornado.kernels;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.api.types.arrays.NativeArrayException;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.KernelLaunch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where Java's ints end (issue 16): KernelContext's ids are ints, so a grid of 2^31 or more work-items in a
 * dimension is refused on every backend (PoCL and CUDA ran them with negative globalIdx); getSize() of an
 * array of 2^31 or more elements throws in Java, so a launch refuses such an array for a kernel that calls it
 * (devices returned a truncated negative int), while length() takes it.
 */
class IntLimitsTest {
    private static final long BEYOND_INT = (1L << 31) + 64;

    @AcrossBackends
    void gridsBeyondIntIdsAreRefused(SuiteAccelerator backend) {
        Accelerator accelerator = backend.accelerator();
        try (DeviceArray out = accelerator.allocate(IntArray.class, 1);
             KernelLaunch launch = accelerator.compile(ConformanceKernels.class, "nothing", java.util.Map.of()).launcher()) {
            launch.set(1, out);
            LorisException e = assertThrows(LorisException.class,
                    () -> launch.launch(BEYOND_INT, 64, accelerator.defaultStream()));
            assertTrue(e.getMessage().contains("exceeds 2147483647"), e.getMessage());
            assertThrows(LorisException.class,
                    () -> launch.launch(64, BEYOND_INT, 64, 64, accelerator.defaultStream()));
        }
    }

    @AcrossBackends
    void getSizeRefusesArraysBeyondIntWhileLengthTakesThem(SuiteAccelerator backend) {
        Accelerator accelerator = backend.accelerator();
        if (accelerator.maxArrayBytes() < BEYOND_INT) {
            System.out.println("getSize limit not tested on " + backend.name() + ": arrays of at most "
                    + accelerator.maxArrayBytes() + " bytes");
            return;
        }
        try (DeviceArray big = accelerator.allocate(ByteArray.class, BEYOND_INT);
             DeviceArray ints = accelerator.allocate(IntArray.class, 1);
             DeviceArray longs = accelerator.allocate(LongArray.class, 1);
             KernelLaunch asInt = accelerator.compile(ConformanceKernels.class, "sizeAsInt", java.util.Map.of()).launcher();
             KernelLaunch asLong = accelerator.compile(ConformanceKernels.class, "sizeAsLong", java.util.Map.of()).launcher()) {
            NativeArrayException e = assertThrows(NativeArrayException.class, () -> asInt.set(1, big));
            assertTrue(e.getMessage().contains("getSize()"), e.getMessage());
            asLong.set(1, big).set(2, longs).launch(64, 64, accelerator.defaultStream());
            LongArray length = new LongArray(1);
            longs.copyTo(length);
            assertEquals(BEYOND_INT, length.get(0), backend.name());
            asInt.set(2, ints);
        }
    }
}
