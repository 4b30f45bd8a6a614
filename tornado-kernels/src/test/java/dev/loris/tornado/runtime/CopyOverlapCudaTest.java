package dev.loris.tornado.runtime;

import dev.loris.testing.RequiresCuda;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ring 3: on CUDA a copy stream's device-to-host copy into pinned memory really runs beside a kernel on the
 * default stream (what offloaded checkpointing relies on): a kernel and a copy of about the same length,
 * queued on the two streams, take well under the sum of their times alone.
 */
@RequiresCuda
class CopyOverlapCudaTest {
    private static final int THREADS = 1 << 18;

    /** Busy arithmetic: each work-item iterates a contraction {@code iterations} times. */
    public static void spin(KernelContext ctx, FloatArray out, int iterations) {
        int i = ctx.globalIdx;
        float x = i * 1e-6f;
        for (int k = 0; k < iterations; k++) {
            x = x * 0.999f + 0.001f;
        }
        out.set(i, x);
    }

    @Test
    void aCopyOnTheCopyStreamOverlapsAKernelOnTheDefaultStream() {
        long elements = 64L << 20; // 256 MiB of floats
        try (Accelerator acc = Accelerator.open("cuda");
             DeviceStream copies = acc.createCopyStream();
             DeviceEvent start = acc.createEvent(); DeviceEvent copied = acc.createEvent();
             DeviceEvent end = acc.createEvent();
             DeviceArray source = acc.allocate(FloatArray.class, elements);
             DeviceArray out = acc.allocate(FloatArray.class, THREADS);
             PinnedHostArray host = acc.allocatePinned(FloatArray.class, elements)) {
            DeviceStream compute = acc.defaultStream();
            KernelLaunch spin = acc.compile(CopyOverlapCudaTest.class, "spin", Map.of()).launcher();
            source.fillBytes((byte) 1);
            Runnable copy = () -> source.copyToAsync(host.array(), copies);
            double copyAlone = timed(copies, start, end, copy);
            int iterations = 1 << 14;
            double probe = timed(compute, start, end, () -> launch(spin, out, iterations, compute));
            int matched = (int) Math.max(1 << 10, iterations * copyAlone / probe);
            Runnable kernel = () -> launch(spin, out, matched, compute);
            double kernelAlone = timed(compute, start, end, kernel);
            start.record(compute);
            copies.waitFor(start);
            copy.run();
            copied.record(copies);
            kernel.run();
            compute.waitFor(copied);
            end.record(compute);
            double together = end.millisSince(start);
            System.out.printf("copy %.2f ms, kernel %.2f ms, both on two streams %.2f ms%n", copyAlone, kernelAlone,
                    together);
            assertTrue(together < 0.8 * (copyAlone + kernelAlone), "no overlap: " + together + " ms for "
                    + copyAlone + " + " + kernelAlone);
        }
    }

    private static void launch(KernelLaunch spin, DeviceArray out, int iterations, DeviceStream stream) {
        spin.set(1, out).set(2, iterations).launch(THREADS, 256, stream);
    }

    private static double timed(DeviceStream stream, DeviceEvent start, DeviceEvent end, Runnable work) {
        start.record(stream);
        work.run();
        end.record(stream);
        return end.millisSince(start);
    }
}
