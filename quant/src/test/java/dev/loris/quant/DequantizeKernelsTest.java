package dev.loris.quant;

import dev.loris.model.safetensors.Dtype;
import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.KernelLaunch;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The dequantisation kernels against the host reference ({@link FourBitTensor#valueBf16}, {@link
 * Int8Tensor#valueBf16}), and the tuned four-per-step kernels against the plain ones, on fresh random weights
 * with the output poisoned first. Tolerance: exact (one float32 product, one sum, one rounding to bf16).
 */
class DequantizeKernelsTest {
    private static final int TRIALS = 6;

    @Test
    void exactOnTheJvm() {
        try (Accelerator jvm = Accelerator.open("jvm")) {
            checkAll(jvm, new Random());
        }
    }

    @Test
    @RequiresOpenCl
    void exactOnOpenCl() {
        try (Accelerator openCl = Accelerator.open("opencl")) {
            checkAll(openCl, new Random());
        }
    }

    private static void checkAll(Accelerator accelerator, Random random) {
        long seed = random.nextLong();
        Random r = new Random(seed);
        for (int trial = 0; trial < TRIALS; trial++) {
            checkFourBit(accelerator, r, "seed " + seed + ", trial " + trial);
            checkInt8(accelerator, r, "seed " + seed + ", trial " + trial);
        }
    }

    private static void checkFourBit(Accelerator accelerator, Random r, String where) {
        int blocksize = 32 << r.nextInt(8);
        long rows = 1 + r.nextInt(40);
        long cols = 1 + r.nextInt(700);
        if (r.nextBoolean()) {
            cols = 16 * cols; // the tuned 4-bit kernel's case (and the 8-bit one's); otherwise the count may be odd
        }
        QuantScheme.FourBit scheme = new QuantScheme.FourBit(FourBitType.values()[r.nextInt(2)], blocksize,
                r.nextBoolean());
        FourBitTensor tensor = FourBitQuantizer.quantize("random", randomBf16(r, rows * cols), Dtype.BF16,
                new long[] {rows, cols}, scheme);
        String what = where + ": " + tensor;
        long n = rows * cols;
        try (FourBitWeight weight = FourBitWeight.upload(accelerator, tensor);
             DeviceArray out = accelerator.allocate(BFloat16Array.class, n)) {
            out.poison();
            weight.dequantize(out, accelerator.defaultStream());
            BFloat16Array host = new BFloat16Array(n);
            out.copyTo(host);
            for (long i = 0; i < n; i++) {
                assertEquals(tensor.valueBf16(i), host.get(i), what + ", value " + i);
            }
            if (n % 16 == 0) {
                BFloat16Array plain = plainFourBit(accelerator, tensor);
                for (long i = 0; i < n; i++) {
                    assertEquals(plain.get(i), host.get(i), what + ", tuned vs plain at " + i);
                }
            }
        }
    }

    /** The plain kernel run directly on {@code tensor} (the weight chooses the tuned one for counts % 16 == 0). */
    private static BFloat16Array plainFourBit(Accelerator accelerator, FourBitTensor tensor) {
        long n = tensor.count();
        boolean nested = tensor.absmax() instanceof Absmax.Nested;
        try (DeviceArray packed = accelerator.upload(tensor.packed());
             DeviceArray codes = nested ? accelerator.upload(((Absmax.Nested) tensor.absmax()).codes())
                     : accelerator.allocate(ByteArray.class, 1);
             DeviceArray absmax = accelerator.upload(nested ? ((Absmax.Nested) tensor.absmax()).nestedAbsmax()
                     : ((Absmax.Plain) tensor.absmax()).values());
             DeviceArray code = accelerator.upload(nested ? ((Absmax.Nested) tensor.absmax()).nestedCode()
                     : FloatArray.fromArray(new float[1]));
             DeviceArray out = accelerator.allocate(BFloat16Array.class, n);
             KernelLaunch launch = accelerator.compile(FourBitDequantize.class, "dequantizeBf16", Map.of(
                     FourBitDequantize.CONSTANT_BLOCK_SHIFT, Integer.numberOfTrailingZeros(tensor.blocksize()),
                     FourBitDequantize.CONSTANT_NESTED, nested,
                     FourBitDequantize.CONSTANT_FP4, tensor.type() == FourBitType.FP4)).launcher()) {
            out.poison();
            float offset = nested ? ((Absmax.Nested) tensor.absmax()).offset() : 0f;
            launch.set(1, packed).set(2, codes).set(3, absmax).set(4, code).set(5, offset).set(6, out).set(7, n)
                    .launch(Launches.global(n), Launches.LOCAL, accelerator.defaultStream());
            BFloat16Array host = new BFloat16Array(n);
            out.copyTo(host);
            return host;
        }
    }

    private static void checkInt8(Accelerator accelerator, Random r, String where) {
        long rows = 1 + r.nextInt(30);
        long cols = r.nextBoolean() ? 4L * (1 + r.nextInt(200)) : 1 + r.nextInt(500);
        Int8Tensor tensor = Int8Tensor.quantize(new SourceValues(randomBf16(r, rows * cols), Dtype.BF16,
                rows * cols, "random"), rows, cols);
        try (Int8Weight weight = Int8Weight.upload(accelerator, tensor);
             DeviceArray out = accelerator.allocate(BFloat16Array.class, rows * cols)) {
            out.poison();
            weight.dequantize(out, accelerator.defaultStream());
            BFloat16Array host = new BFloat16Array(rows * cols);
            out.copyTo(host);
            for (long row = 0; row < rows; row++) {
                for (long col = 0; col < cols; col++) {
                    assertEquals(tensor.valueBf16(row, col), host.get(row * cols + col),
                            where + ": int8 " + rows + " x " + cols + " at (" + row + ", " + col + ")");
                }
            }
        }
    }

    /** Weight-like bf16 values (normal, std 0.02, a few outliers and zeros). */
    static MemorySegment randomBf16(Random r, long n) {
        MemorySegment data = MemorySegment.ofArray(new byte[(int) n * 2]);
        for (long i = 0; i < n; i++) {
            double v = r.nextGaussian() * 0.02 * (r.nextInt(500) == 0 ? 20 : 1) * (r.nextInt(100) == 0 ? 0 : 1);
            data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, TornadoMath.floatToBfloat16((float) v));
        }
        return data;
    }
}
