package dev.loris.bench;

import dev.loris.model.safetensors.Dtype;
import dev.loris.quant.FourBitQuantizer;
import dev.loris.quant.FourBitTensor;
import dev.loris.quant.FourBitWeight;
import dev.loris.quant.QuantScheme;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * The NF4 benchmark of issue 11: dequantisation of double-quantised NF4 (blocksize 64, QLoRA's setting) to bf16
 * for the linear weights of Llama-3.1-8B, and the fused 4-bit GEMV of decoding steps (issue 13; CUDA only),
 * against the device-to-device copy bandwidth of the same accelerator
 * (the target: at least 80% of it on the H100). Bandwidth counts the bytes a dequantisation must move
 * once: packed codes n/2, absmax codes n/64, nested absmax and the 256-entry map, and the bf16 output 2n.
 * Also the host quantiser's time per weight (16 threads on the GPU machine), the load-time cost of
 * {@code --load-in-4bit}. Same output format as {@link KernelBench}.
 *
 * <p>Usage: {@code QuantBench SPEC [runs]} (cuda, opencl:1, jvm).
 */
public final class QuantBench {
    /** (out, in) of Llama-3.1-8B's projections: q/o, k/v, gate/up, down. */
    private static final long[][] SHAPES = {{4096, 4096}, {1024, 4096}, {14336, 4096}, {4096, 14336}};

    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0] : "auto";
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        try (Accelerator accelerator = Accelerator.open(spec)) {
            System.out.println("# " + accelerator.description() + ", host quantiser on "
                    + Runtime.getRuntime().availableProcessors() + " cores");
            DeviceStream stream = accelerator.defaultStream();
            double copy = Timing.copyBandwidth(accelerator, stream, runs);
            for (long[] shape : SHAPES) {
                dequantize(accelerator, stream, runs, shape, copy);
            }
        }
    }

    private static void dequantize(Accelerator accelerator, DeviceStream stream, int runs, long[] shape, double copy) {
        long n = shape[0] * shape[1];
        String name = "nf4 dq bs64 (" + shape[0] + "," + shape[1] + ")";
        try (Arena arena = Arena.ofShared()) { // the quantiser reads it from its worker threads
            MemorySegment weights = randomBf16(arena, n); // (out, in) bf16
            FourBitQuantizer.quantize(name, weights, Dtype.BF16, shape, QuantScheme.LOAD_IN_4BIT); // JIT warm-up
            long start = System.nanoTime();
            FourBitTensor tensor = FourBitQuantizer.quantize(name, weights, Dtype.BF16, shape, QuantScheme.LOAD_IN_4BIT);
            double hostMs = (System.nanoTime() - start) / 1e6;
            System.out.printf(Locale.ROOT, "host\t%s quantise from bf16\t%.1f ms\t%.1f GB/s of bf16 read%n",
                    name, hostMs, 2.0 * n / hostMs / 1e6);
            try (FourBitWeight weight = FourBitWeight.upload(accelerator, tensor);
                 DeviceArray out = accelerator.allocate(BFloat16Array.class, n)) {
                double bytes = n / 2.0 + (n / 64.0) + 4.0 * (n / 64.0 / 256.0) + 1024 + 2.0 * n;
                double ms = Timing.median(accelerator, stream, runs, () -> weight.dequantize(out, stream));
                double gbs = bytes / ms / 1e6;
                Timing.report(accelerator, name + " dequantise to bf16 (dequantizeBf16Packed)", ms, gbs, gbs / copy);
                gemv(accelerator, stream, runs, shape, weight, copy);
            }
        }
    }

    /**
     * The fused 4-bit GEMV (FourBitGemv, decoding steps) at 1, 4 and 8 rows: bandwidth on the bytes it must read
     * once (packed codes, absmax codes and the nested absmax, x) and write (y); the target is 80% of the
     * copy bandwidth. Where the accelerator takes no fused GEMV (not CUDA) nothing is printed.
     */
    private static void gemv(Accelerator accelerator, DeviceStream stream, int runs, long[] shape, FourBitWeight weight,
                             double copy) {
        long out = shape[0];
        long in = shape[1];
        for (int rows : new int[] {1, 4, 8}) {
            if (!weight.multiplies(rows)) {
                return;
            }
            try (DeviceArray x = accelerator.allocate(BFloat16Array.class, rows * in);
                 DeviceArray y = accelerator.allocate(BFloat16Array.class, rows * out)) {
                x.fillBytes((byte) 0x3c); // any finite values: the work does not depend on them
                double n = out * in;
                double bytes = n / 2.0 + n / 64.0 + 4.0 * (n / 64.0 / 256.0) + 2.0 * rows * (in + out);
                double ms = Timing.median(accelerator, stream, runs, () -> weight.multiply(x, rows, y, stream));
                double gbs = bytes / ms / 1e6;
                Timing.report(accelerator, "nf4 gemv bs64 (" + out + "," + in + ") x " + rows + " rows (FourBitGemv)",
                        ms, gbs, gbs / copy);
            }
        }
    }

    /** Weight-like bf16 values from a cheap generator (the values do not change the kernel's work). */
    private static MemorySegment randomBf16(Arena arena, long n) {
        MemorySegment data = arena.allocate(2 * n, 64);
        long state = 0x9E3779B97F4A7C15L;
        for (long i = 0; i < n; i++) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            float value = ((state >>> 40) - (1 << 23)) * (0.05f / (1 << 23)); // uniform in [-0.05, 0.05)
            data.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(value) >>> 16));
        }
        return data;
    }
}
