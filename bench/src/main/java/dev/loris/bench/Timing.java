package dev.loris.bench;

import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;

import java.util.Arrays;
import java.util.Locale;

/** Device timing shared by the benchmarks: the median of event-timed runs after warm-up, and copy bandwidth. */
final class Timing {
    private Timing() {
    }

    /** Median milliseconds of {@code runs} repetitions of {@code work} on {@code stream}, after 5 warm-up runs. */
    static double median(Accelerator accelerator, DeviceStream stream, int runs, Runnable work) {
        for (int i = 0; i < 5; i++) {
            work.run();
        }
        accelerator.synchronize();
        double[] times = new double[runs];
        try (DeviceEvent start = accelerator.createEvent(); DeviceEvent stop = accelerator.createEvent()) {
            for (int i = 0; i < runs; i++) {
                start.record(stream);
                work.run();
                stop.record(stream);
                times[i] = stop.millisSince(start);
            }
        }
        Arrays.sort(times);
        return times[runs / 2];
    }

    /** GB/s of a device-to-device copy of 512 MiB, counting the bytes read and the bytes written. */
    static double copyBandwidth(Accelerator accelerator, DeviceStream stream, int runs) {
        long bytes = 512L << 20;
        try (DeviceArray a = accelerator.allocate(ByteArray.class, bytes);
             DeviceArray b = accelerator.allocate(ByteArray.class, bytes)) {
            a.fillBytes((byte) 1);
            double ms = median(accelerator, stream, runs, () -> b.copyFrom(a));
            double gbs = 2.0 * bytes / ms / 1e6;
            report(accelerator, "device copy 512 MiB", ms, gbs, 1.0);
            return gbs;
        }
    }

    /** One tab-separated line: accelerator, what, milliseconds, GB/s, fraction of copy bandwidth. */
    static void report(Accelerator accelerator, String what, double ms, double gbs, double ofCopy) {
        System.out.printf(Locale.ROOT, "%s\t%s\t%.4f ms\t%.0f GB/s\t%.1f%% of copy%n",
                accelerator.spec(), what, ms, gbs, 100 * ofCopy);
    }
}
