package dev.loris.api;

import dev.loris.InvalidSettingException;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.train.TrainingRun;
import dev.loris.train.data.DataFormat;
import dev.loris.train.data.DataOptions;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How {@link FineTuner#train} trains: the settings of {@code loris train}, with the same defaults, set fluently
 * ({@code TrainOptions.defaults().maxSteps(60).learningRate(2e-4).out(Path.of("runs/a"))}). Values are checked
 * when training starts, with the setting's name in the message.
 */
public final class TrainOptions {
    DataOptions data = DataOptions.defaults().withMaxSeqLength(2048).withBatchSize(2);
    int gradientAccumulation = 4;
    double learningRate = 2e-4;
    Double embeddingLearningRate;
    Optimizer.Kind optimizer = Optimizer.named("adamw", 0.01);
    LearningRateSchedule.Shape schedule = LearningRateSchedule.Shape.LINEAR;
    int warmupSteps = 5;
    double maxGradNorm = 1;
    int epochs = 1;
    int maxSteps;
    int saveSteps;
    int evalSteps;
    TrainingRun.EarlyStopping earlyStopping = TrainingRun.EarlyStopping.OFF;
    GradientCheckpointing checkpointing = GradientCheckpointing.NONE;
    long seed = 3407;
    Path out = Path.of("outputs");
    boolean progress = true;
    boolean resume;
    Consumer<String> log = line -> { };

    private TrainOptions() {
    }

    public static TrainOptions defaults() {
        return new TrainOptions();
    }

    /** Dataset reading, formatting, packing and the held-out split (see {@link DataOptions}). */
    public TrainOptions data(DataOptions options) {
        this.data = options;
        return this;
    }

    public DataOptions data() {
        return data;
    }

    public TrainOptions format(DataFormat format) {
        return data(data.withFormat(format));
    }

    public TrainOptions maxSeqLength(int tokens) {
        return data(data.withMaxSeqLength(tokens));
    }

    public TrainOptions batchSize(int sequences) {
        return data(data.withBatchSize(sequences));
    }

    public TrainOptions gradientAccumulation(int batches) {
        this.gradientAccumulation = batches;
        return this;
    }

    public TrainOptions learningRate(double peak) {
        this.learningRate = peak;
        return this;
    }

    /** The rate of embed_tokens and lm_head where they train (continued pretraining); null: the learning rate. */
    public TrainOptions embeddingLearningRate(Double rate) {
        this.embeddingLearningRate = rate;
        return this;
    }

    public TrainOptions optimizer(Optimizer.Kind kind) {
        this.optimizer = kind;
        return this;
    }

    public TrainOptions schedule(LearningRateSchedule.Shape shape, int warmup) {
        this.schedule = shape;
        this.warmupSteps = warmup;
        return this;
    }

    /** 0 turns gradient clipping off. */
    public TrainOptions maxGradNorm(double norm) {
        this.maxGradNorm = norm;
        return this;
    }

    public TrainOptions epochs(int passes) {
        this.epochs = passes;
        return this;
    }

    /** Stop after this many optimizer steps (0: the epochs decide). */
    public TrainOptions maxSteps(int steps) {
        this.maxSteps = steps;
        return this;
    }

    /** A resumable checkpoint every this many steps (0: none). */
    public TrainOptions saveSteps(int steps) {
        this.saveSteps = steps;
        return this;
    }

    /** Evaluate the held-out split every this many steps (0: before and after only). */
    public TrainOptions evalSteps(int steps) {
        this.evalSteps = steps;
        return this;
    }

    public TrainOptions earlyStopping(int patience, double minImprovement) {
        this.earlyStopping = new TrainingRun.EarlyStopping(patience, minImprovement);
        return this;
    }

    public TrainOptions gradientCheckpointing(GradientCheckpointing mode) {
        this.checkpointing = mode;
        return this;
    }

    /** Seeds shuffling, LoRA initialisation (when {@link FineTuner#addLora} has none of its own) and dropout. */
    public TrainOptions seed(long seed) {
        this.seed = seed;
        this.data = data.withSeed(seed);
        return this;
    }

    /** Where checkpoints, metrics.jsonl, loss.png and the trained adapter or model go. */
    public TrainOptions out(Path folder) {
        this.out = folder;
        return this;
    }

    public Path out() {
        return out;
    }

    /** A progress bar on the terminal (off for logs and tests). */
    public TrainOptions progress(boolean on) {
        this.progress = on;
        return this;
    }

    /** Continue the run in {@link #out} from its latest checkpoint. */
    public TrainOptions resume(boolean on) {
        this.resume = on;
        return this;
    }

    /** Where the run's few lines of news go (what trains on what data; a resume): nowhere by default. */
    public TrainOptions log(Consumer<String> lines) {
        this.log = lines;
        return this;
    }

    /** Checks the settings no later step checks with a better message; {@link FineTuner#train} calls it too. */
    public void validate() {
        if (gradientAccumulation < 1) {
            throw new InvalidSettingException("--grad-accum " + gradientAccumulation + " is below 1", "use 1 or more");
        }
        if (maxSteps <= 0 && epochs < 1) {
            throw new InvalidSettingException("--epochs " + epochs + " is below 1", "use 1 or more, or give --max-steps");
        }
        if (earlyStopping.on() && evalSteps <= 0) {
            throw new InvalidSettingException("--early-stopping-patience " + earlyStopping.patience()
                    + " needs evaluations", "give --eval-steps N as well");
        }
        if (embeddingLearningRate != null && !(embeddingLearningRate >= 0)) {
            throw new InvalidSettingException("--embedding-lr " + embeddingLearningRate + " is negative",
                    "give a learning rate of 0 or more, e.g. 5e-6");
        }
    }

    /** What a resumed run must share with the run it continues, as text. */
    Map<String, String> identity(String method, int steps) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("data", data.toString());
        m.put("grad-accum", Integer.toString(gradientAccumulation));
        m.put("lr", Double.toString(learningRate));
        m.put("embedding-lr", String.valueOf(embeddingLearningRate));
        m.put("optim", optimizer.toString());
        m.put("schedule", schedule + "/" + warmupSteps);
        m.put("max-grad-norm", Double.toString(maxGradNorm));
        m.put("steps", Integer.toString(steps));
        m.put("seed", Long.toString(seed));
        return m;
    }
}
