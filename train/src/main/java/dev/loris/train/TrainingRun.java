package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.model.Folders;
import dev.loris.model.decoder.Batch;
import dev.loris.train.data.DataPosition;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.Units;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A training run around {@link Trainer}: takes accumulation windows of batches, steps, shows a progress bar
 * (tokens/s, loss, learning rate, device memory, ETA), logs metrics.jsonl, evaluates the held-out batches every
 * {@code evalSteps} (eval loss and perplexity; early stopping after {@code patience} evaluations without
 * improvement, keeping the best), writes a resumable checkpoint every {@code saveSteps}
 * ({@link TrainingCheckpoint}), saves what trained at the end (adapter/ or model/; the best when early stopping
 * is on), draws loss.png and returns a summary. The caller owns the decoder, the trained parameters and the
 * trainer; to resume it builds them as the run did, restores the checkpoint into the trainer and passes the
 * checkpoint's state.
 */
public final class TrainingRun {
    /** Where and how often; {@code progress} false for tests and logs (no bar). */
    public record Options(int maxSteps, int gradientAccumulation, int saveSteps, Path out, boolean progress,
                          int evalSteps, EarlyStopping earlyStopping, Map<String, String> settings) {
        /** No periodic evaluation, no early stopping, no settings recorded for resume. */
        public Options(int maxSteps, int gradientAccumulation, int saveSteps, Path out, boolean progress) {
            this(maxSteps, gradientAccumulation, saveSteps, out, progress, 0, EarlyStopping.OFF, Map.of());
        }
    }

    /** Stop when the eval loss has not fallen by more than {@code minImprovement} for {@code patience} evaluations. */
    public record EarlyStopping(int patience, double minImprovement) {
        public static final EarlyStopping OFF = new EarlyStopping(0, 0);

        public boolean on() {
            return patience > 0;
        }
    }

    /** The run's batches: training windows come from {@code train}, whose next position {@code position} tells. */
    public record Data(Iterator<Batch> train, Supplier<DataPosition> position, Iterable<Batch> eval) {
        /** Lists (tests): the position is (epoch 0, batches taken). */
        public static Data of(List<Batch> train, List<Batch> eval) {
            return of(train.iterator(), eval);
        }

        /** Any batch source, endless or not: the position is (epoch 0, batches taken). */
        public static Data of(Iterator<Batch> it, Iterable<Batch> eval) {
            int[] taken = {0};
            Iterator<Batch> counting = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Batch next() {
                    taken[0]++;
                    return it.next();
                }
            };
            return new Data(counting, () -> new DataPosition(0, taken[0]), eval);
        }
    }

    /**
     * What the run did; {@code bestEvalLoss} NaN without evaluation; {@code lossPlot} null when no curve was drawn,
     * {@code lossPlotNote} then says why.
     */
    public record Summary(int steps, double firstLoss, double lastLoss, double seconds, long tokens,
                          long peakDeviceBytes, Path saved, Path metrics, Path lossPlot, String lossPlotNote,
                          double bestEvalLoss, int bestStep, boolean stoppedEarly) {
        public double tokensPerSecond() {
            return tokens / Math.max(seconds, 1e-9);
        }

        @Override
        public String toString() {
            String eval = Double.isNaN(bestEvalLoss) ? "" : String.format(Locale.ROOT, "; best eval loss %.4f at"
                    + " step %d%s", bestEvalLoss, bestStep, stoppedEarly ? " (stopped early: no improvement since)" : "");
            return String.format(Locale.ROOT, "%d steps in %.1f s (%.0f tokens/s), loss %.4f -> %.4f, peak device"
                    + " memory %s%s; saved %s, metrics %s, %s", steps, seconds, tokensPerSecond(),
                    firstLoss, lastLoss, Units.bytes(peakDeviceBytes), eval, saved, metrics,
                    lossPlot != null ? "loss curve " + lossPlot : "no loss curve (" + lossPlotNote + ")");
        }
    }

    private final Trainer trainer;
    private final TrainableParameters parameters;
    private final Data data;
    private final Options options;
    private final Accelerator acc;
    private final List<double[]> curve = new ArrayList<>();
    private final List<double[]> evalCurve = new ArrayList<>();
    private long tokens;
    private double first = Double.NaN;
    private double last = Double.NaN;
    private double bestEval = Double.NaN;
    private int bestStep;
    private int evalsWithoutImprovement;

    private TrainingRun(Trainer trainer, Data data, Options options) {
        this.trainer = trainer;
        this.parameters = trainer.parameters();
        this.data = data;
        this.options = options;
        this.acc = trainer.decoder().accelerator();
    }

    /** A new run: trains until {@code maxSteps} or the data ends; {@code onStep} sees every step (may be a no-op). */
    public static Summary run(Trainer trainer, Iterator<Batch> batches, Options options,
                              Consumer<Trainer.StepResult> onStep) {
        return run(trainer, Data.of(batches, List.of()), options, null, onStep);
    }

    /**
     * A run over {@code data}; with {@code resumed} (the state of the checkpoint the trainer, adapter and data were
     * restored from) it continues that run: metrics after the checkpoint's step are dropped and logging goes on.
     */
    public static Summary run(Trainer trainer, Data data, Options options, TrainingCheckpoint.State resumed,
                              Consumer<Trainer.StepResult> onStep) {
        return new TrainingRun(trainer, data, options).go(resumed, onStep);
    }

    private Summary go(TrainingCheckpoint.State resumed, Consumer<Trainer.StepResult> onStep) {
        Path out = createFolder(options.out());
        Path metricsFile = out.resolve("metrics.jsonl");
        if (resumed != null) {
            restore(resumed, metricsFile);
        }
        long start = System.nanoTime();
        boolean stoppedEarly = false;
        try (MetricsLog metrics = new MetricsLog(metricsFile, resumed != null);
             ProgressBar bar = options.progress() ? bar(options.maxSteps(), trainer.stepsDone()) : null) {
            while (trainer.stepsDone() < options.maxSteps() && !stoppedEarly) {
                List<Batch> window = nextWindow(data.train(), options.gradientAccumulation());
                if (window.isEmpty()) {
                    break;
                }
                long stepStart = System.nanoTime();
                Trainer.StepResult r = trainer.step(window);
                double seconds = (System.nanoTime() - stepStart) / 1e9;
                record(r);
                long device = acc.memoryStats().currentBytes();
                metrics.step(r, seconds, device);
                String message = String.format(Locale.ROOT, "loss %.4f lr %.2e %.0f tok/s %s", r.loss(),
                        r.learningRate(), r.tokens() / Math.max(seconds, 1e-9), Units.bytes(device));
                if (options.evalSteps() > 0 && r.step() % options.evalSteps() == 0) {
                    stoppedEarly = evaluate(r.step(), metrics);
                    message += String.format(Locale.ROOT, " eval %.4f", evalCurve.getLast()[1]);
                }
                if (bar != null) {
                    bar.stepTo(r.step());
                    bar.setExtraMessage(message);
                }
                onStep.accept(r);
                if (options.saveSteps() > 0 && r.step() % options.saveSteps() == 0) {
                    checkpoint(r.step());
                }
            }
        }
        Path saved = out.resolve(parameters.savedName());
        if (options.earlyStopping().on() && Files.isDirectory(out.resolve("best"))) {
            replace(out.resolve("best"), saved);
        } else {
            parameters.save(saved);
        }
        Path plot = out.resolve("loss.png");
        String plotNote = curve.isEmpty() ? "no steps were trained" : LossPlot.write(plot, curve, evalCurve,
                "training loss").orElse(null);
        return new Summary(trainer.stepsDone(), first, last, (System.nanoTime() - start) / 1e9, tokens,
                acc.memoryStats().peakBytes(), saved, metricsFile, plotNote == null ? plot : null, plotNote,
                bestEval, bestStep, stoppedEarly);
    }

    private void record(Trainer.StepResult r) {
        tokens += r.tokens();
        first = Double.isNaN(first) ? r.loss() : first;
        last = r.loss();
        curve.add(new double[] {r.step(), r.loss()});
    }

    /** Evaluates, logs, keeps the best adapter; true when early stopping says stop. */
    private boolean evaluate(int step, MetricsLog metrics) {
        double loss = Evaluation.loss(trainer.decoder(), data.eval());
        if (Double.isNaN(loss)) {
            throw new LorisException("--eval-steps " + options.evalSteps() + " asks for evaluations but the"
                    + " held-out split has no labelled tokens", "raise --eval-fraction, or leave --eval-steps out");
        }
        evalCurve.add(new double[] {step, loss});
        metrics.write(MetricsLog.eval(step, loss));
        if (Double.isNaN(bestEval) || loss < bestEval - options.earlyStopping().minImprovement()) {
            bestEval = loss;
            bestStep = step;
            evalsWithoutImprovement = 0;
            if (options.earlyStopping().on()) {
                Path partial = options.out().resolve("best.partial");
                parameters.save(partial);
                replace(partial, options.out().resolve("best"));
            }
            return false;
        }
        evalsWithoutImprovement++;
        return options.earlyStopping().on() && evalsWithoutImprovement >= options.earlyStopping().patience();
    }

    private void checkpoint(int step) {
        TrainingCheckpoint.save(options.out(), trainer, new TrainingCheckpoint.State(step, data.position().get(),
                tokens, bestEval, bestStep, evalsWithoutImprovement, options.settings()));
    }

    /** Picks up a resumed run's counters and curve, and drops metrics logged after its checkpoint. */
    private void restore(TrainingCheckpoint.State state, Path metricsFile) {
        tokens = state.tokens();
        bestEval = state.bestEvalLoss();
        bestStep = state.bestStep();
        evalsWithoutImprovement = state.evalsWithoutImprovement();
        for (MetricsLog.Line line : MetricsLog.truncateAfter(metricsFile, state.step())) {
            if (line.eval()) {
                evalCurve.add(new double[] {line.step(), line.loss()});
            } else {
                first = Double.isNaN(first) ? line.loss() : first;
                last = line.loss();
                curve.add(new double[] {line.step(), line.loss()});
            }
        }
    }

    private static void replace(Path from, Path to) {
        try {
            Folders.deleteTree(to);
            Files.move(from, to);
        } catch (IOException e) {
            throw new LorisException("cannot move " + from + " to " + to + ": " + e.getMessage(),
                    "check the --out folder");
        }
    }

    private static List<Batch> nextWindow(Iterator<Batch> batches, int size) {
        List<Batch> window = new ArrayList<>();
        while (window.size() < size && batches.hasNext()) {
            window.add(batches.next());
        }
        return window;
    }

    private static ProgressBar bar(int steps, int done) {
        return new ProgressBarBuilder().setTaskName("train").setInitialMax(steps).startsFrom(done, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setUnit(" steps", 1).build();
    }

    private static Path createFolder(Path out) {
        try {
            return Files.createDirectories(out);
        } catch (IOException e) {
            throw new LorisException("cannot create " + out + ": " + e.getMessage(),
                    "choose an --out folder you can write");
        }
    }
}
