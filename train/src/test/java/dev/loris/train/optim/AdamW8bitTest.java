package dev.loris.train.optim;

import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.KernelLaunch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 8-bit AdamW kernel ({@link OptimizerKernels#adamW8bit}) against a plain per-element reference written
 * here, on every backend, fresh random inputs each run (the seed is in every message): a group of n elements
 * (not a multiple of the 256-element block) at an offset of a flat buffer whose other elements are poisoned
 * (NaN) and must stay so; fewer work-groups than blocks (the grid-stride). Three steps; before each, the
 * reference starts from the kernel's own state and parameters, so each step is checked on its own.
 * Tolerances: parameters within 1e-6 relative + 1e-7 absolute (f32 rounding, contraction on OpenCL); absmax
 * within 1e-6 relative; each code equal to the reference's, or its neighbour where the reference's scaled value
 * lies within 1e-5 of the midpoint between the two map values (a rounding tie either side may take).
 *
 * <p>Also the maps: 256 ascending values in [-1, 1] / [0, 1] with 0 and 1, the signed one symmetric but for 1,
 * and the bisection's nearest value the true nearest.
 */
class AdamW8bitTest {
    private static final float[] SIGNED = DynamicMap.signed();
    private static final float[] UNSIGNED = DynamicMap.unsigned();

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void kernelFollowsThePlainReference(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 256 * (2 + random.nextInt(5)) + 1 + random.nextInt(255);
        int offset = 1 + random.nextInt(64);
        int total = offset + n + 1 + random.nextInt(32);
        int blocks = (n + 255) / 256;
        float[] p = poisonedOutside(random, total, offset, n, 1);
        float lr = 1e-2f;
        float beta1 = 0.9f;
        float beta2 = 0.95f;
        float eps = 1e-6f;
        float weightDecay = 0.1f;
        String where = spec + " seed " + seed + " n " + n + " offset " + offset;
        float[] both = new float[512];
        System.arraycopy(SIGNED, 0, both, 0, 256);
        System.arraycopy(UNSIGNED, 0, both, 256, 256);
        try (Accelerator acc = Accelerator.open(spec);
             DeviceArray params = acc.upload(FloatArray.fromArray(p));
             DeviceArray grads = acc.allocate(FloatArray.class, total);
             DeviceArray codes1 = zeroed(acc, ByteArray.class, n);
             DeviceArray codes2 = zeroed(acc, ByteArray.class, n);
             DeviceArray absmax1 = zeroed(acc, FloatArray.class, blocks);
             DeviceArray absmax2 = zeroed(acc, FloatArray.class, blocks);
             DeviceArray maps = acc.upload(FloatArray.fromArray(both))) {
            KernelLaunch kernel = acc.compile(OptimizerKernels.class, "adamW8bit", Map.of()).launcher();
            for (int t = 1; t <= 3; t++) {
                float[] g = poisonedOutside(random, total, offset, n, 0.1 * t);
                grads.copyFrom(FloatArray.fromArray(g));
                State before = State.read(params, codes1, codes2, absmax1, absmax2);
                float scale = 0.5f + random.nextFloat();
                float bc1 = (float) (1 - Math.pow(beta1, t));
                float bc2 = (float) Math.sqrt(1 - Math.pow(beta2, t));
                Reference ref = Reference.step(before, g, offset, n, lr, beta1, beta2, eps, weightDecay, scale, bc1,
                        bc2);
                kernel.set(1, params).set(2, grads).set(3, (long) offset).set(4, codes1).set(5, codes2)
                        .set(6, absmax1).set(7, absmax2).set(8, maps).set(9, lr).set(10, beta1).set(11, beta2)
                        .set(12, eps).set(13, weightDecay).set(14, scale).set(15, bc1).set(16, bc2).set(17, (long) n)
                        .launch(2 * 256, 256, acc.defaultStream());
                State after = State.read(params, codes1, codes2, absmax1, absmax2);
                compare(ref, after, offset, n, where + " step " + t);
            }
        }
    }

    @Test
    void mapsAreSortedBoundedAndBisectionFindsTheNearestValue() {
        for (float[] map : new float[][] {SIGNED, UNSIGNED}) {
            assertEquals(256, map.length);
            for (int i = 1; i < 256; i++) {
                assertTrue(map[i - 1] < map[i] || (map[i - 1] == 0 && map[i] == 0), "ascending at " + i);
            }
            assertEquals(1f, map[255]);
            assertTrue(map[0] >= -1f);
            Random random = new Random(System.nanoTime());
            for (int k = 0; k < 10_000; k++) {
                float x = map == SIGNED ? random.nextFloat() * 2 - 1 : random.nextFloat();
                int nearest = DynamicMap.nearest(map, x);
                for (int i = 0; i < 256; i++) {
                    assertTrue(Math.abs(map[nearest] - x) <= Math.abs(map[i] - x), x + ": " + map[i]
                            + " is nearer than " + map[nearest]);
                }
            }
        }
        for (int i = 0; i < 127; i++) {
            assertEquals(-SIGNED[254 - i], SIGNED[i], "signed map symmetric at " + i);
        }
        assertEquals(0f, SIGNED[127]);
        assertEquals(0f, UNSIGNED[0]);
    }

    private static void compare(Reference ref, State actual, int offset, int n, String where) {
        for (int i = 0; i < actual.params.length; i++) {
            if (i < offset || i >= offset + n) {
                assertTrue(Float.isNaN(actual.params[i]), where + ": element " + i + " outside the group changed");
            } else {
                float e = ref.params[i];
                assertEquals(e, actual.params[i], 1e-6 * Math.abs(e) + 1e-7, where + ": parameter " + i);
            }
        }
        for (int b = 0; b < ref.absmax1.length; b++) {
            assertEquals(ref.absmax1[b], actual.absmax1[b], 1e-6 * ref.absmax1[b], where + ": absmax of m, block " + b);
            assertEquals(ref.absmax2[b], actual.absmax2[b], 1e-6 * ref.absmax2[b], where + ": absmax of v, block " + b);
        }
        for (int i = 0; i < n; i++) {
            checkCode(SIGNED, ref.codes1[i], actual.codes1[i], ref.scaled1[i], where + ": m code " + i);
            checkCode(UNSIGNED, ref.codes2[i], actual.codes2[i], ref.scaled2[i], where + ": v code " + i);
        }
    }

    private static void checkCode(float[] map, int expected, int actual, float scaled, String where) {
        if (expected == actual) {
            return;
        }
        boolean neighbours = Math.abs(expected - actual) == 1;
        float midpoint = (map[expected] + map[actual]) / 2;
        assertTrue(neighbours && Math.abs(scaled - midpoint) <= 1e-5, where + ": " + actual + " instead of "
                + expected + " for " + scaled);
    }

    private static float[] poisonedOutside(Random random, int total, int offset, int n, double scale) {
        float[] values = new float[total];
        for (int i = 0; i < total; i++) {
            values[i] = i >= offset && i < offset + n ? (float) (random.nextGaussian() * scale) : Float.NaN;
        }
        return values;
    }

    private static DeviceArray zeroed(Accelerator acc, Class<? extends TornadoNativeArray> type, long n) {
        DeviceArray array = acc.allocate(type, n);
        array.fillBytes((byte) 0);
        return array;
    }

    /** Parameters (the whole flat buffer), codes as unsigned ints, absmax: read back from the device. */
    private record State(float[] params, int[] codes1, int[] codes2, float[] absmax1, float[] absmax2) {
        static State read(DeviceArray params, DeviceArray codes1, DeviceArray codes2, DeviceArray absmax1,
                          DeviceArray absmax2) {
            return new State(floats(params), codes(codes1), codes(codes2), floats(absmax1), floats(absmax2));
        }

        private static float[] floats(DeviceArray array) {
            FloatArray host = new FloatArray(array.length());
            array.copyTo(host);
            return host.toHeapArray();
        }

        private static int[] codes(DeviceArray array) {
            ByteArray host = new ByteArray(array.length());
            array.copyTo(host);
            int[] codes = new int[(int) array.length()];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = host.get(i) & 0xFF;
            }
            return codes;
        }
    }

    /**
     * One 8-bit AdamW step, element by element then block by block, in f32 in the kernel's order of operations;
     * {@code scaled1/2} are the values before rounding to a code (state / block absmax).
     */
    private record Reference(float[] params, int[] codes1, int[] codes2, float[] absmax1, float[] absmax2,
                             float[] scaled1, float[] scaled2) {
        static Reference step(State s, float[] grads, int offset, int n, float lr, float beta1, float beta2, float eps,
                              float weightDecay, float scale, float bc1, float bc2) {
            float[] params = s.params.clone();
            float[] m = new float[n];
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                int block = i / 256;
                float g = grads[offset + i] * scale;
                float p = params[offset + i] * (1f - lr * weightDecay);
                m[i] = beta1 * (SIGNED[s.codes1[i]] * s.absmax1[block]) + (1f - beta1) * g;
                v[i] = beta2 * (UNSIGNED[s.codes2[i]] * s.absmax2[block]) + (1f - beta2) * g * g;
                params[offset + i] = p - lr / bc1 * (m[i] / ((float) Math.sqrt(v[i]) / bc2 + eps));
            }
            int blocks = s.absmax1.length;
            float[] absmax1 = new float[blocks];
            float[] absmax2 = new float[blocks];
            for (int i = 0; i < n; i++) {
                absmax1[i / 256] = Math.max(absmax1[i / 256], Math.abs(m[i]));
                absmax2[i / 256] = Math.max(absmax2[i / 256], v[i]);
            }
            int[] codes1 = new int[n];
            int[] codes2 = new int[n];
            float[] scaled1 = new float[n];
            float[] scaled2 = new float[n];
            for (int i = 0; i < n; i++) {
                scaled1[i] = absmax1[i / 256] > 0 ? m[i] / absmax1[i / 256] : 0;
                scaled2[i] = absmax2[i / 256] > 0 ? v[i] / absmax2[i / 256] : 0;
                codes1[i] = DynamicMap.nearest(SIGNED, scaled1[i]);
                if (m[i] < 0 && SIGNED[codes1[i]] >= 0) {
                    codes1[i]--;
                }
                codes2[i] = DynamicMap.nearest(UNSIGNED, scaled2[i]);
            }
            return new Reference(params, codes1, codes2, absmax1, absmax2, scaled1, scaled2);
        }
    }
}
