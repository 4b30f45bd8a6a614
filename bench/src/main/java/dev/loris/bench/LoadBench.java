package dev.loris.bench;

import dev.loris.model.decoder.DecoderWeights;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.ProjectionLoader;
import dev.loris.quant.QuantScheme;
import dev.loris.quant.QuantizedProjections;
import dev.loris.model.decoder.WeightLoader;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.MemoryStats;
import dev.loris.tornado.runtime.Units;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Times loading a checkpoint onto an accelerator (issue 5: an 8B-shaped checkpoint onto the GPU) and shows
 * where the bytes went: device memory from the accelerator's exact statistics, and the Java heap before and
 * after (the weights are memory-mapped and copied to the device, never to the heap, so the heap should not
 * grow by anything like their size).
 *
 * <p>Usage: {@code LoadBench DIR [SPEC [bf16|f32|nf4|int8]]}; SPEC as in Accelerator.open (default auto); nf4
 * and int8 quantise the layers' projections while loading (--load-in-4bit / 8bit), bf16 elsewhere. The first
 * load after the files were written reads them from the page cache; a second run in a fresh JVM shows the
 * same.
 */
public final class LoadBench {
    private LoadBench() {
    }

    public static void main(String[] args) {
        Path folder = Path.of(args[0]);
        String spec = args.length > 1 ? args[1] : "auto";
        String mode = args.length > 2 ? args[2] : "bf16";
        Precision precision = mode.equals("f32") ? Precision.F32 : Precision.BF16;
        ProjectionLoader projections = switch (mode) {
            case "nf4" -> QuantizedProjections.loader(QuantScheme.LOAD_IN_4BIT);
            case "int8" -> QuantizedProjections.loader(QuantScheme.LOAD_IN_8BIT);
            default -> ProjectionLoader.DENSE;
        };
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (Accelerator acc = Accelerator.open(spec)) {
            System.gc();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            long start = System.nanoTime();
            try (DecoderWeights weights = WeightLoader.load(folder, acc, precision, projections)) {
                acc.synchronize();
                double seconds = (System.nanoTime() - start) / 1e9;
                long heapAfter = memory.getHeapMemoryUsage().getUsed();
                MemoryStats stats = acc.memoryStats();
                System.out.printf(Locale.ROOT, "loaded %s (%s, %s) onto %s in %.2f s = %.2f GB/s%n", folder,
                        weights.config.architecture(), mode, acc.description(), seconds,
                        weights.bytes() / seconds / 1e9);
                System.out.printf(Locale.ROOT, "device memory: %s of weights, %s live, %s peak (%d bytes live, %d peak)%n",
                        Units.bytes(weights.bytes()), Units.bytes(stats.currentBytes()), Units.bytes(stats.peakBytes()),
                        stats.currentBytes(), stats.peakBytes());
                System.out.printf(Locale.ROOT, "java heap used: %s before, %s after (max %s)%n", Units.bytes(heapBefore),
                        Units.bytes(heapAfter), Units.bytes(memory.getHeapMemoryUsage().getMax()));
            }
        }
    }
}
