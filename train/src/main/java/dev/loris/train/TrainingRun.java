package dev.loris.train;

import dev.loris.model.decoder.Batch;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.Units;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A training run around {@link Trainer}: takes accumulation windows of batches from a source, steps, shows a
 * progress bar (tokens/s, loss, learning rate, device memory, ETA), logs metrics.jsonl, saves what trains (a
 * LoRA adapter or the whole model) every {@code saveSteps} (checkpoint-N) and at the end (adapter/ or model/),
 * draws loss.png, and returns a summary. The caller owns the decoder, the trained parameters and the trainer.
 */
public final class TrainingRun {
    /** Where and how often; {@code progress} false for tests and logs (no bar). */
    public record Options(int maxSteps, int gradientAccumulation, int saveSteps, Path out, String baseModel,
                          boolean progress) {
    }

    /** What the run did. */
    public record Summary(int steps, double firstLoss, double lastLoss, double seconds, long tokens,
                          long peakDeviceBytes, Path adapter, Path metrics, Path lossPlot) {
        public double tokensPerSecond() {
            return tokens / Math.max(seconds, 1e-9);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d steps in %.1f s (%.0f tokens/s), loss %.4f -> %.4f, peak device"
                    + " memory %s; adapter %s, metrics %s, loss curve %s", steps, seconds, tokensPerSecond(),
                    firstLoss, lastLoss, Units.bytes(peakDeviceBytes), adapter, metrics, lossPlot);
        }
    }

    private TrainingRun() {
    }

    /** Trains until {@code maxSteps} or the source ends; {@code onStep} sees every step (may be a no-op). */
    public static Summary run(Trainer trainer, Iterator<Batch> batches, Options options,
                              Consumer<Trainer.StepResult> onStep) {
        TrainableParameters parameters = trainer.parameters();
        Accelerator acc = trainer.decoder().accelerator();
        Path out = options.out();
        List<double[]> curve = new ArrayList<>();
        long tokens = 0;
        long start = System.nanoTime();
        double first = Double.NaN;
        double last = Double.NaN;
        try (MetricsLog metrics = new MetricsLog(createFolder(out).resolve("metrics.jsonl"), false);
             ProgressBar bar = options.progress() ? bar(options.maxSteps()) : null) {
            while (trainer.stepsDone() < options.maxSteps()) {
                List<Batch> window = nextWindow(batches, options.gradientAccumulation());
                if (window.isEmpty()) {
                    break;
                }
                long stepStart = System.nanoTime();
                Trainer.StepResult r = trainer.step(window);
                double seconds = (System.nanoTime() - stepStart) / 1e9;
                tokens += r.tokens();
                first = Double.isNaN(first) ? r.loss() : first;
                last = r.loss();
                curve.add(new double[] {r.step(), r.loss()});
                long device = acc.memoryStats().currentBytes();
                metrics.step(r, seconds, device);
                if (bar != null) {
                    bar.stepTo(r.step());
                    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f lr %.2e %.0f tok/s %s", r.loss(),
                            r.learningRate(), r.tokens() / Math.max(seconds, 1e-9), Units.bytes(device)));
                }
                onStep.accept(r);
                if (options.saveSteps() > 0 && r.step() % options.saveSteps() == 0) {
                    parameters.save(out.resolve("checkpoint-" + r.step()));
                }
            }
        }
        Path adapterFolder = out.resolve(parameters.savedName());
        parameters.save(adapterFolder);
        Path plot = out.resolve("loss.png");
        if (!curve.isEmpty()) {
            LossPlot.write(plot, curve, List.of(), "training loss");
        }
        return new Summary(trainer.stepsDone(), first, last, (System.nanoTime() - start) / 1e9, tokens,
                acc.memoryStats().peakBytes(), adapterFolder, out.resolve("metrics.jsonl"), plot);
    }

    private static List<Batch> nextWindow(Iterator<Batch> batches, int size) {
        List<Batch> window = new ArrayList<>();
        while (window.size() < size && batches.hasNext()) {
            window.add(batches.next());
        }
        return window;
    }

    private static ProgressBar bar(int steps) {
        return new ProgressBarBuilder().setTaskName("train").setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250).setUnit(" steps", 1).build();
    }

    private static Path createFolder(Path out) {
        try {
            return Files.createDirectories(out);
        } catch (java.io.IOException e) {
            throw new dev.loris.LorisException("cannot create " + out + ": " + e.getMessage(),
                    "choose an --out folder you can write");
        }
    }
}
