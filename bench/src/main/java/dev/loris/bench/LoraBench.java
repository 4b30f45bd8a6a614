package dev.loris.bench;

import dev.loris.lora.LoraAdapter;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Compute;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.GradientSink;
import dev.loris.model.decoder.LayerWeights;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.Projection;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a LoRA adapter costs over the frozen projections it wraps (issue 11's target: at most 10% more over
 * the seven projections of a Llama-3.1-8B layer at 4096 tokens, r = 16). For each projection of layer 0 of the
 * checkpoint: forward + backward to the input (the frozen GEMMs a LoRA step runs anyway) against the same
 * through the LoRA projection (plus x·Aᵀ, the rank-r products and dA, dB). The two are timed in alternation,
 * after a sustained warm-up, so both see the same GPU clocks; medians of device-event times.
 *
 * <p>Usage: {@code LoraBench DIR [SPEC [TOKENS [RANK [ROUNDS]]]]} (a bf16 checkpoint, e.g. one layer of
 * bench/make_checkpoint.py; defaults cuda 4096 16 30). Prints one line per projection and the layer total.
 */
public final class LoraBench {
    private LoraBench() {
    }

    public static void main(String[] args) {
        Path folder = Path.of(args[0]);
        String spec = args.length > 1 ? args[1] : "cuda";
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 4096;
        int rank = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(folder, acc, Precision.BF16)) {
            LayerWeights frozen = decoder.weights().layers().getFirst();
            List<Projection> dense = frozen.projections();
            LoraConfig config = LoraConfig.defaults().withRank(rank, rank);
            try (LoraAdapter adapter = LoraAdapter.attach(decoder, config)) {
                List<Projection> lora = decoder.weights().layers().getFirst().projections();
                report(acc, decoder.compute(), dense, lora, adapter, tokens, rank, rounds);
            }
        }
    }

    private static void report(Accelerator acc, Compute c, List<Projection> dense, List<Projection> lora,
                               LoraAdapter adapter, int tokens, int rank, int rounds) {
        int widest = dense.stream().mapToInt(p -> Math.max(p.inFeatures(), p.outFeatures())).max().orElseThrow();
        DeviceStream stream = c.stream();
        System.out.printf(Locale.ROOT, "# %s, %d tokens, r %d, bf16; ms per forward+backward, median of %d%n",
                acc.description(), tokens, rank, rounds);
        System.out.println("projection\tfrozen_ms\tlora_ms\textra");
        double frozenTotal = 0;
        double loraTotal = 0;
        try (DeviceArray x = random(acc, (long) tokens * widest); DeviceArray dy = random(acc, (long) tokens * widest);
             DeviceArray y = acc.allocate(BFloat16Array.class, (long) tokens * widest);
             DeviceArray dx = acc.allocate(BFloat16Array.class, (long) tokens * widest);
             DeviceEvent start = acc.createEvent(); DeviceEvent stop = acc.createEvent()) {
            for (int i = 0; i < dense.size(); i++) {
                Projection d = dense.get(i);
                Projection l = lora.get(i);
                try (Projection.Saved saved = l.newSaved(c, tokens, 1)) {
                    Runnable frozenStep = () -> {
                        d.forward(c, x, tokens, y, null);
                        d.backward(c, dy, x, tokens, dx, false, null, GradientSink.NONE);
                    };
                    Runnable loraStep = () -> {
                        l.forward(c, x, tokens, y, saved);
                        l.backward(c, dy, x, tokens, dx, false, saved, adapter);
                    };
                    double[][] times = alternate(acc, stream, start, stop, frozenStep, loraStep, rounds);
                    double f = median(times[0]);
                    double lo = median(times[1]);
                    frozenTotal += f;
                    loraTotal += lo;
                    System.out.printf(Locale.ROOT, "%s\t%.4f\t%.4f\t%+.1f%%%n", d.name(), f, lo, 100 * (lo / f - 1));
                }
            }
        }
        System.out.printf(Locale.ROOT, "layer (7 projections)\t%.4f\t%.4f\t%+.1f%%%n", frozenTotal, loraTotal,
                100 * (loraTotal / frozenTotal - 1));
    }

    /** Warm-up for 1.5 s of GPU time, then {@code rounds} timings of each, interleaved. */
    private static double[][] alternate(Accelerator acc, DeviceStream stream, DeviceEvent start, DeviceEvent stop,
                                        Runnable a, Runnable b, int rounds) {
        double warm = 0;
        while (warm < 1500) {
            warm += timed(a, start, stop, stream) + timed(b, start, stop, stream);
        }
        double[][] times = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            times[0][r] = timed(a, start, stop, stream);
            times[1][r] = timed(b, start, stop, stream);
        }
        acc.synchronize();
        return times;
    }

    private static double timed(Runnable work, DeviceEvent start, DeviceEvent stop, DeviceStream stream) {
        start.record(stream);
        work.run();
        stop.record(stream);
        return stop.millisSince(start);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static DeviceArray random(Accelerator acc, long n) {
        BFloat16Array host = new BFloat16Array(n);
        java.util.Random random = new java.util.Random(1);
        for (long i = 0; i < n; i++) {
            host.setFloat(i, random.nextFloat() * 2 - 1);
        }
        return acc.upload(host);
    }
}
