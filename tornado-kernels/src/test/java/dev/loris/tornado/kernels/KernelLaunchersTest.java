package dev.loris.tornado.kernels;

import dev.loris.testing.SteadyStateAllocation;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KernelLaunchers}: the form picked by element type (packed bf16 when sizes allow, else the 2-byte
 * form, with the same results), allocation-free steady-state launches on devices, and the small kernels it
 * added for LoRA and the trainer (scale, f32 to bf16, dropout, row gathers) against plain Java.
 */
class KernelLaunchersTest {
    /**
     * With tensor-core attention on (the JVM runs those kernels too), a sliding window or a soft-cap sends bf16
     * attention, its backward and decoding to the CUDA-core kernels, which compute them; plain options still
     * take FlashAttention and FlashDecoding.
     */
    @org.junit.jupiter.api.Test
    void windowsTakeTheTensorCoreKernelsSoftCapsAndDecodingWithEitherDoNot() {
        Random random = new Random(5);
        AttentionShape shape = new AttentionShape(20, 2, 1, 16);
        int qn = 20 * 2 * 16;
        int kvn = 20 * 16;
        try (Accelerator acc = Accelerator.open("jvm");
             DeviceArray q = acc.upload(BFloat16Array.fromFloats(randomFloats(random, qn)));
             DeviceArray k = acc.upload(BFloat16Array.fromFloats(randomFloats(random, kvn)));
             DeviceArray v = acc.upload(BFloat16Array.fromFloats(randomFloats(random, kvn)));
             DeviceArray dOut = acc.upload(BFloat16Array.fromFloats(randomFloats(random, qn)));
             DeviceArray starts = acc.upload(IntArray.fromArray(AttentionShape.sequenceStarts(20)));
             DeviceArray out = acc.allocate(BFloat16Array.class, qn);
             DeviceArray lse = acc.allocate(FloatArray.class, 40);
             DeviceArray delta = acc.allocate(FloatArray.class, 40);
             DeviceArray dQ = acc.allocate(BFloat16Array.class, qn);
             DeviceArray dK = acc.allocate(BFloat16Array.class, kvn);
             DeviceArray dV = acc.allocate(BFloat16Array.class, kvn);
             DeviceArray lengths = acc.upload(IntArray.fromArray(new int[] {20}));
             DeviceArray decoded = acc.allocate(BFloat16Array.class, 2 * 16);
             DeviceArray partials = acc.allocate(FloatArray.class, KernelLaunchers.decodePartialsLength(1, 2, 16, 20))) {
            KernelLaunchers plain = new KernelLaunchers(acc, true);
            plain.attention(shape, q, k, v, starts, out, lse);
            plain.attentionDecode(q, k, v, lengths, decoded, partials, 1, 2, 1, 16, 20);
            assertEquals(1L, plain.launchCounts().get("FlashAttention.forwardBf16"), plain.launchCounts().toString());
            assertEquals(1L, plain.launchCounts().get("FlashDecoding.partials(bf16)"), plain.launchCounts().toString());
            for (AttentionOptions options : new AttentionOptions[] {new AttentionOptions(0.3f, 4, 0f),
                    new AttentionOptions(0.3f, 0, 5f)}) {
                KernelLaunchers gemma = new KernelLaunchers(acc, true);
                gemma.attention(shape, options, q, k, v, starts, out, lse);
                gemma.attentionBackward(shape, options, q, k, v, out, dOut, lse, delta, starts, dQ, dK, dV);
                gemma.attentionDecode(q, k, v, lengths, decoded, partials, 1, 2, 1, 16, 20, options);
                var counts = gemma.launchCounts();
                var expected = options.softCap() == 0f
                        ? java.util.Set.of("FlashAttention.forwardBf16", "AttentionBackward.rowDots(bf16)",
                                "FlashAttentionBackward.keyValueGradients", "FlashAttentionBackward.queryGradients",
                                "AttentionDecode.decode(bf16)")
                        : java.util.Set.of("AttentionForward.forward(bf16)", "AttentionBackward.rowDots(bf16)",
                                "AttentionBackward.keyValueGradients(bf16)", "AttentionBackward.queryGradients(bf16)",
                                "AttentionDecode.decode(bf16)");
                assertEquals(expected, counts.keySet(), options.toString());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void packedAndPlainBf16SwiGluAgreeBitForBit(String spec) {
        Random random = new Random(11);
        int n = 4 * 1000;
        float[] gate = randomFloats(random, n);
        float[] up = randomFloats(random, n);
        try (Accelerator acc = Accelerator.open(spec);
             DeviceArray g = acc.upload(BFloat16Array.fromFloats(gate));
             DeviceArray u = acc.upload(BFloat16Array.fromFloats(up));
             DeviceArray packedOut = acc.allocate(BFloat16Array.class, n);
             DeviceArray plainOut = acc.allocate(BFloat16Array.class, n + 1)) { // odd length: no packed view
            KernelLaunchers k = new KernelLaunchers(acc);
            packedOut.poison();
            plainOut.poison();
            k.swiGlu(g, u, packedOut, n);
            k.swiGlu(g, u, plainOut, n);
            acc.synchronize();
            assertEquals(1L, k.launchCounts().get("SwiGlu.forwardBf16Packed"));
            assertEquals(1L, k.launchCounts().get("SwiGlu.forward(bf16)"));
            BFloat16Array a = new BFloat16Array(n);
            BFloat16Array b = new BFloat16Array(n + 1);
            packedOut.copyTo(a);
            plainOut.copyTo(b);
            for (int i = 0; i < n; i++) {
                assertEquals(a.get(i), b.get(i), spec + ": element " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void smallKernelsMatchJava(String spec) {
        Random random = new Random(5);
        int n = 3001;
        float[] x = randomFloats(random, n);
        long seed = random.nextLong();
        float p = 0.3f;
        try (Accelerator acc = Accelerator.open(spec);
             DeviceArray f32 = acc.upload(FloatArray.fromArray(x));
             DeviceArray bf16 = acc.allocate(BFloat16Array.class, n);
             DeviceArray dropped = acc.allocate(FloatArray.class, n);
             DeviceArray rows = acc.upload(IntArray.fromArray(new int[] {7, 0, 7, 2}));
             DeviceArray gathered = acc.allocate(FloatArray.class, 4 * 100)) {
            KernelLaunchers k = new KernelLaunchers(acc);
            bf16.poison();
            dropped.poison();
            gathered.poison();
            k.toBf16(f32, bf16, n);
            k.dropout(f32, dropped, seed, p, n);
            k.gatherRows(f32, gathered, rows, 4, 100);
            k.scale(f32, 0.5f, n);
            acc.synchronize();
            BFloat16Array rounded = new BFloat16Array(n);
            bf16.copyTo(rounded);
            FloatArray drop = new FloatArray(n);
            dropped.copyTo(drop);
            FloatArray gather = new FloatArray(400);
            gathered.copyTo(gather);
            FloatArray halved = new FloatArray(n);
            f32.copyTo(halved);
            int kept = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(TornadoMath.floatToBfloat16(x[i]), rounded.get(i), spec + ": bf16 of element " + i);
                boolean keeps = Elementwise.dropoutKeeps(seed, i, p);
                kept += keeps ? 1 : 0;
                assertEquals(keeps ? x[i] * (1f / (1f - p)) : 0f, drop.get(i), spec + ": dropout of element " + i);
                assertEquals(x[i] * 0.5f, halved.get(i), spec + ": scaled element " + i);
            }
            // 3001 draws at keep probability 0.7: within 5 standard deviations (~25) of 2100.7
            assertTrue(Math.abs(kept - 0.7 * n) < 5 * Math.sqrt(n * 0.21), "kept " + kept + " of " + n);
            int[] from = {7, 0, 7, 2};
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 100; c++) {
                    assertEquals(x[from[r] * 100 + c], gather.get(r * 100 + c), spec + ": gathered row " + r);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void steadyStateCallsAllocateNothing(String spec) {
        Assumptions.assumeFalse(spec.equals("jvm"), "the JVM backend allocates per launch by design");
        int rows = 8;
        int cols = 256;
        try (Accelerator acc = Accelerator.open(spec);
             DeviceArray x = acc.allocate(BFloat16Array.class, rows * cols);
             DeviceArray w = acc.allocate(BFloat16Array.class, cols);
             DeviceArray out = acc.allocate(BFloat16Array.class, rows * cols);
             DeviceArray inv = acc.allocate(FloatArray.class, rows)) {
            x.fillBytes((byte) 0x3F);
            w.fillBytes((byte) 0x3F);
            KernelLaunchers k = new KernelLaunchers(acc);
            long allocated = SteadyStateAllocation.lastRoundBytes(acc, 500, i -> {
                k.rmsNorm(x, w, out, inv, rows, cols, 1e-6f);
                k.swiGlu(x, out, out, (long) rows * cols);
            });
            assertTrue(allocated < 1000, spec + ": " + allocated + " bytes over 1000 calls");
        }
    }

    private static float[] randomFloats(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * 3);
        }
        return values;
    }
}
