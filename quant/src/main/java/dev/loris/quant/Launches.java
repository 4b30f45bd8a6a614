package dev.loris.quant;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;

import java.util.Arrays;

/** What the dequantising weights share: the grid they launch and the check of the output they are given. */
final class Launches {
    /** Work-items per group. */
    static final int LOCAL = 256;
    /** At most this many work-items: enough to fill an H100 (132 SMs x 2048 threads) twice; the loops stride. */
    static final long MAX_GLOBAL = 1L << 19;

    private Launches() {
    }

    /** A 1D grid for {@code items} steps of a grid-stride loop: a multiple of {@link #LOCAL}. */
    static long global(long items) {
        long groups = Math.max(1, (Math.min(items, MAX_GLOBAL) + LOCAL - 1) / LOCAL);
        return groups * LOCAL;
    }

    static void checkOutput(DeviceArray out, Accelerator accelerator, long count, long[] shape) {
        if (out.arrayType() != BFloat16Array.class || out.length() < count || out.accelerator() != accelerator) {
            throw new LorisException("cannot dequantise a " + Arrays.toString(shape) + " weight into " + out,
                    "pass a BFloat16Array of at least " + count + " elements on " + accelerator.spec());
        }
    }

    /**
     * A weight's dequantisation launcher, its arguments set once: each call sets only the output, seen as a
     * LongArray for the packed kernels (4-bit: sixteen values a step, 8-bit: four; a view made once per output
     * array, so repeated calls into the same buffer allocate nothing).
     */
    static final class Launcher implements AutoCloseable {
        private final KernelLaunch launch;
        private final int outParameter;
        private final boolean longOutput;
        private DeviceArray lastOut;
        private DeviceArray lastView;

        Launcher(KernelLaunch launch, int outParameter, boolean longOutput) {
            this.launch = launch;
            this.outParameter = outParameter;
            this.longOutput = longOutput;
        }

        /** Queues the kernel over {@code items} steps writing {@code out}. */
        void run(DeviceArray out, long items, DeviceStream stream) {
            if (out != lastOut) {
                lastOut = out;
                lastView = longOutput ? out.view(LongArray.class) : out;
            }
            launch.set(outParameter, lastView).launch(global(items), LOCAL, stream);
        }

        @Override
        public void close() {
            launch.close();
        }
    }
}
