package dev.loris.quant;

import dev.loris.model.safetensors.Dtype;
import dev.loris.testing.RequiresCuda;
import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused 4-bit GEMV ({@link FourBitGemv} through {@link FourBitWeight#multiply}) against the dequantised weight
 * times x in double ({@link FourBitTensor#valueBf16}, the weights the dequantise-then-GEMM path multiplies), on
 * fresh random NF4/FP4 weights, plain or double-quantised, 1 to 8 rows of x, the output poisoned first. Tolerance:
 * f32 sums in another order, 1e-6 of the sum of |w x|, plus the output's bf16 rounding (2^-8 of |y|).
 */
class FourBitGemvTest {
    private static final int TRIALS = 5;

    @Test
    void matchesDequantiseThenMultiplyOnTheJvm() {
        try (Accelerator jvm = Accelerator.open("jvm")) {
            checkAll(jvm, new Random());
            try (FourBitWeight weight = FourBitWeight.upload(jvm, tensor(new Random(1), 64, 32, 64))) {
                assertFalse(weight.multiplies(1), "the JVM dequantises for its GEMM");
            }
        }
    }

    @Test
    @RequiresOpenCl
    void matchesDequantiseThenMultiplyOnOpenCl() {
        try (Accelerator openCl = Accelerator.open("opencl")) {
            checkAll(openCl, new Random());
        }
    }

    /** On CUDA, where the decoder takes it for decoding steps ({@link FourBitWeight#multiplies}). */
    @Test
    @RequiresCuda
    void matchesDequantiseThenMultiplyOnCuda() {
        try (Accelerator cuda = Accelerator.open("cuda")) {
            checkAll(cuda, new Random());
            try (FourBitWeight weight = FourBitWeight.upload(cuda, tensor(new Random(1), 64, 32, 64))) {
                assertTrue(weight.multiplies(1) && weight.multiplies(FourBitGemv.MAX_ROWS));
                assertFalse(weight.multiplies(FourBitGemv.MAX_ROWS + 1), "prefill dequantises for the GEMM");
            }
        }
    }

    private static void checkAll(Accelerator accelerator, Random random) {
        long seed = random.nextLong();
        Random r = new Random(seed);
        for (int trial = 0; trial < TRIALS; trial++) {
            int out = 1 + r.nextInt(70);
            int in = 16 * (1 + r.nextInt(40));
            int rows = 1 + r.nextInt(FourBitGemv.MAX_ROWS);
            check(accelerator, r, out, in, rows, "seed " + seed + ", trial " + trial);
        }
    }

    private static FourBitTensor tensor(Random r, int out, int in, int blocksize) {
        QuantScheme.FourBit scheme = new QuantScheme.FourBit(FourBitType.values()[r.nextInt(2)], blocksize,
                r.nextBoolean());
        return FourBitQuantizer.quantize("random", DequantizeKernelsTest.randomBf16(r, (long) out * in), Dtype.BF16,
                new long[] {out, in}, scheme);
    }

    private static void check(Accelerator accelerator, Random r, int out, int in, int rows, String where) {
        FourBitTensor tensor = tensor(r, out, in, 32 << r.nextInt(4));
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        BFloat16Array hostX = BFloat16Array.fromFloats(x);
        try (FourBitWeight weight = FourBitWeight.upload(accelerator, tensor);
             DeviceArray deviceX = accelerator.upload(hostX);
             DeviceArray y = accelerator.allocate(BFloat16Array.class, (long) rows * out)) {
            y.poison();
            weight.multiply(deviceX, rows, y, accelerator.defaultStream());
            BFloat16Array result = new BFloat16Array((long) rows * out);
            y.copyTo(result);
            for (int row = 0; row < rows; row++) {
                for (int o = 0; o < out; o++) {
                    double exact = 0;
                    double magnitude = 0;
                    for (int k = 0; k < in; k++) {
                        double w = Float.intBitsToFloat(tensor.valueBf16((long) o * in + k) << 16);
                        double term = w * hostX.getFloat((long) row * in + k);
                        exact += term;
                        magnitude += Math.abs(term);
                    }
                    float ours = result.getFloat((long) row * out + o);
                    double allowed = 1e-6 * magnitude + 0x1p-8 * Math.abs(exact);
                    assertTrue(Math.abs(ours - exact) <= allowed, where + ": " + tensor + ", x row " + row
                            + ", output " + o + ": " + ours + " against " + exact + " (allowed " + allowed + ")");
                }
            }
        }
    }
}
