package dev.loris.bench;

import dev.loris.LorisException;
import dev.loris.lora.LoraAdapter;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.model.decoder.Precision;
import dev.loris.tornado.api.types.arrays.NativeArrayException;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.MemoryStats;
import dev.loris.tornado.runtime.Units;
import dev.loris.tornado.runtime.cuda.CudaOutOfMemoryException;
import dev.loris.tornado.runtime.opencl.OpenClAllocationException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Gradient checkpointing's memory and speed (issue 12's target: at S = 16384, offload at most 60% of standard's
 * memory with at most 10% less throughput): one LoRA training step (forward, chunked LM-head loss, backward;
 * r = 16 on all seven projections, bf16, B = 1: one sequence of S random tokens) per mode and length, on an
 * 8B-shaped checkpoint (bench/make_checkpoint.py). For each: the allocator's exact peak of live device bytes
 * (weights included) and of the step alone (peak minus what was live before it: weights and adapter), the
 * bytes it held from the device, pinned host bytes, and tokens/s (wall time of whole steps, median, after one
 * warm-up step). A step that does not fit prints OOM and leaves nothing allocated. Then, unless MAX_S is 0,
 * the longest S that fits with {@code offload}: the step's bytes grow linearly with S (flash attention keeps
 * no S x S), so the two measured lengths predict it; one step at the prediction, capped at MAX_S (a step's
 * attention grows as S², so a confirmation far beyond 64K tokens takes minutes), confirms it (stepping down
 * by 5% on OOM).
 *
 * <p>Usage: {@code CheckpointingBench DIR [SPEC [LENGTHS [MODES [MAX_S]]]]}, e.g. {@code DIR cuda
 * 2048,16384 none,standard,offload 65536}. Prints a tab-separated table.
 */
public final class CheckpointingBench {
    private record Result(int tokens, GradientCheckpointing mode, long peakBytes, long stepBytes, long reservedBytes,
                          long pinnedBytes, double tokensPerSecond, String failure) {
    }

    private CheckpointingBench() {
    }

    public static void main(String[] args) {
        Path folder = Path.of(args[0]);
        String spec = args.length > 1 ? args[1] : "cuda";
        int[] lengths = Arrays.stream((args.length > 2 ? args[2] : "2048,16384").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<GradientCheckpointing> modes = Arrays.stream((args.length > 3 ? args[3] : "none,standard,offload")
                .split(",")).map(GradientCheckpointing::parse).toList();
        int maxTokens = args.length > 4 ? Integer.parseInt(args[4]) : 65536;
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(folder, acc, Precision.BF16);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraConfig.defaults().withRank(16, 16))) {
            System.out.printf(Locale.ROOT, "# %s; %s, %d layers; LoRA r 16 on all seven projections, bf16, B 1;"
                    + " resident before a step %s%n", acc.description(), folder, decoder.config().numHiddenLayers(),
                    Units.bytes(acc.memoryStats().currentBytes()));
            System.out.println("S\tmode\tpeak_GiB\tstep_GiB\treserved_GiB\tpinned_GiB\ttokens_per_s\tnote");
            List<Result> results = new ArrayList<>();
            for (int s : lengths) {
                for (GradientCheckpointing mode : modes) {
                    Result r = measure(acc, decoder, adapter, s, mode, Math.max(2, Math.min(5, 32768 / s)));
                    print(r);
                    results.add(r);
                }
            }
            compare(results, lengths[lengths.length - 1]);
            if (maxTokens > 0) {
                longestOffload(acc, decoder, adapter, results, maxTokens);
            }
        }
    }

    /** One warm-up step, then {@code steps} timed ones (median), with the peak over all of them. */
    private static Result measure(Accelerator acc, Decoder decoder, LoraAdapter adapter, int tokens,
                                  GradientCheckpointing mode, int steps) {
        Batch batch = randomBatch(tokens, decoder.config().vocabSize());
        acc.synchronize();
        acc.emptyCache(); // each mode starts from the same state: reserved bytes are its own
        long before = acc.memoryStats().currentBytes();
        acc.resetPeakStats();
        double[] seconds = new double[steps];
        try {
            for (int i = -1; i < steps; i++) {
                long start = System.nanoTime();
                step(decoder, adapter, batch, mode, i + 2);
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - start) / 1e9;
                }
            }
        } catch (RuntimeException e) {
            acc.synchronize();
            if (!isOutOfMemory(e)) {
                throw e;
            }
            long left = acc.memoryStats().currentBytes() - before;
            return new Result(tokens, mode, 0, 0, 0, 0, 0, "OOM" + (left == 0 ? "" : ", " + left + " bytes left"));
        }
        MemoryStats stats = acc.memoryStats();
        Arrays.sort(seconds);
        return new Result(tokens, mode, stats.peakBytes(), stats.peakBytes() - before, stats.peakReservedBytes(),
                acc.peakPinnedBytes(), tokens / seconds[steps / 2], "");
    }

    /** One optimizer-free training step: forward, loss and gradients into the adapter, all work finished. */
    private static void step(Decoder decoder, LoraAdapter adapter, Batch batch, GradientCheckpointing mode, long seed) {
        adapter.zeroGradients();
        try (ForwardPass pass = decoder.forward(batch, seed, mode)) {
            pass.train(adapter, 1f / batch.labelledTokens());
        }
        decoder.accelerator().synchronize();
    }

    static boolean isOutOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CudaOutOfMemoryException || t instanceof OpenClAllocationException
                    || (t instanceof NativeArrayException && t.getCause() instanceof OutOfMemoryError)) {
                return true;
            }
        }
        return false;
    }

    private static Batch randomBatch(int tokens, int vocab) {
        return Batch.of(new Random(tokens).ints(tokens, 0, vocab).toArray());
    }

    private static void print(Result r) {
        if (!r.failure.isEmpty()) {
            System.out.printf(Locale.ROOT, "%d\t%s\t-\t-\t-\t-\t-\t%s%n", r.tokens, r.mode.settingName(), r.failure);
            return;
        }
        System.out.printf(Locale.ROOT, "%d\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%s%n", r.tokens, r.mode.settingName(),
                gib(r.peakBytes), gib(r.stepBytes), gib(r.reservedBytes), gib(r.pinnedBytes), r.tokensPerSecond,
                r.failure);
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }

    /** Offload against standard at {@code tokens}: the two ratios. */
    private static void compare(List<Result> results, int tokens) {
        Result standard = find(results, tokens, GradientCheckpointing.STANDARD);
        Result offload = find(results, tokens, GradientCheckpointing.OFFLOAD);
        if (standard == null || offload == null) {
            return;
        }
        System.out.printf(Locale.ROOT, "# S %d: offload/standard peak %.1f%% (step alone %.1f%%), throughput %+.1f%%"
                        + " (target: <= 60%% memory, >= -10%% throughput)%n", tokens,
                100.0 * offload.peakBytes / standard.peakBytes, 100.0 * offload.stepBytes / standard.stepBytes,
                100 * (offload.tokensPerSecond / standard.tokensPerSecond - 1));
    }

    private static Result find(List<Result> results, int tokens, GradientCheckpointing mode) {
        return results.stream().filter(r -> r.tokens == tokens && r.mode == mode && r.failure.isEmpty())
                .findFirst().orElse(null);
    }

    /**
     * The longest S (a multiple of 1024) whose offload step fits: predicted from the two longest measured
     * offload steps (bytes linear in S) and the device's size, then confirmed by one step at the prediction or
     * {@code maxTokens}, whichever is less, 5% shorter on OOM.
     */
    private static void longestOffload(Accelerator acc, Decoder decoder, LoraAdapter adapter, List<Result> results,
                                       int maxTokens) {
        List<Result> measured = results.stream()
                .filter(r -> r.mode == GradientCheckpointing.OFFLOAD && r.failure.isEmpty()).toList();
        if (measured.size() < 2) {
            System.out.println("# longest S: needs two offload lengths that fit");
            return;
        }
        Result a = measured.get(measured.size() - 2);
        Result b = measured.getLast();
        double bytesPerToken = (double) (b.reservedBytes - a.reservedBytes) / (b.tokens - a.tokens);
        long capacity = (long) (acc.maxArrayBytes() * 0.97); // the driver and cuBLASLt keep some for themselves
        int predicted = (int) Math.min(1 << 24, (capacity - b.reservedBytes) / bytesPerToken + b.tokens) / 1024 * 1024;
        long indexLimit = Integer.MAX_VALUE / decoder.config().intermediateSize(); // (S, intermediate) arrays
        System.out.printf(Locale.ROOT, "# longest S with offload: %.0f KiB per token reserved; memory predicts %d;"
                + " arrays of (S, intermediate) stay below 2^31 elements up to S = %d; trying up to %d%n",
                bytesPerToken / 1024, predicted, indexLimit, maxTokens);
        int tokens = Math.min(predicted, maxTokens);
        for (int attempt = 0; attempt < 6 && tokens > b.tokens; attempt++) {
            try {
                Result r = measure(acc, decoder, adapter, tokens, GradientCheckpointing.OFFLOAD, 1);
                print(r);
                if (r.failure.isEmpty()) {
                    System.out.printf(Locale.ROOT, "# longest S with offload: %d fits (%.2f GiB peak)%s%n", tokens,
                            gib(r.peakBytes), tokens == maxTokens ? "; the cap: the memory predicts " + predicted
                                    : "");
                    return;
                }
            } catch (LorisException e) { // a size limit other than memory (e.g. an index past 2^31)
                System.out.println(tokens + "\toffload\t-\t-\t-\t-\t-\t" + e.getMessage());
            }
            tokens = (int) (tokens * 0.95) / 1024 * 1024;
        }
        System.out.println("# longest S with offload: not found above " + b.tokens);
    }
}
