package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.Units;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training step over any {@link TrainableParameters} (a LoRA adapter, or every weight of the model): one
 * optimizer update over an accumulation window of micro-batches. Per window: zero the gradients; for each
 * micro-batch a forward (dropout seeded by step and micro-batch) and {@link ForwardPass#train}, its loss
 * gradient scaled by 1 / the window's labelled tokens, so the summed gradients are the window's mean whatever
 * the split; the gradients' global norm over every group, clipped to {@code maxGradNorm}; one optimizer per
 * parameter group, at the schedule's rate times the group's multiplier, with weight decay where the group takes
 * it; the decoder's compute copies refreshed. A non-finite loss or gradient norm stops the run with the step
 * and the likely causes. {@link #saveState}/{@link #loadState} write and read the optimizers' state and the
 * step count, so a resumed run continues bit for bit.
 */
public final class Trainer implements AutoCloseable {
    /**
     * How the parameters learn. {@code maxGradNorm} 0 turns clipping off; {@code checkpointing} trades
     * recomputation (and host copies, with offload) for activation memory.
     */
    public record Settings(LearningRateSchedule schedule, Optimizer.Kind optimizer, double maxGradNorm, long seed,
                           GradientCheckpointing checkpointing) {
        /** Without gradient checkpointing. */
        public Settings(LearningRateSchedule schedule, Optimizer.Kind optimizer, double maxGradNorm, long seed) {
            this(schedule, optimizer, maxGradNorm, seed, GradientCheckpointing.NONE);
        }
    }

    /** What one step did: the window's mean loss, the gradient norm before clipping, the rate used. */
    public record StepResult(int step, double loss, double gradientNorm, double learningRate, int tokens,
                             int labelledTokens) {
    }

    private final Decoder decoder;
    private final TrainableParameters parameters;
    private final Settings settings;
    private final List<TrainableParameters.Group> groups;
    private final List<Optimizer> optimizers = new ArrayList<>();  // one per group, same order
    private int step;

    private static final String EMBEDDING = "model.embed_tokens.weight";

    public Trainer(Decoder decoder, TrainableParameters parameters, Settings settings) {
        this.decoder = decoder;
        this.parameters = parameters;
        this.settings = settings;
        this.groups = parameters.groups();
        if (settings.checkpointing() == GradientCheckpointing.OFFLOAD && embeddingFrozen(decoder, parameters)) {
            decoder.keepEmbeddingOnHost(); // the memory mode: 1 GB of an 8B model's device memory for a few MB a step
        }
        try {
            for (TrainableParameters.Group g : groups) {
                Optimizer.Kind kind = g.weightDecay() ? settings.optimizer() : settings.optimizer().withoutWeightDecay();
                optimizers.add(new Optimizer(decoder.accelerator(), g.parameters(), g.gradients(), g.offset(),
                        g.length(), kind));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Whether no gradient reaches the input embedding (the sink has no slot for it). */
    private static boolean embeddingFrozen(Decoder decoder, TrainableParameters parameters) {
        long elements = (long) decoder.config().vocabSize() * decoder.config().hiddenSize();
        return parameters.slot(EMBEDDING, elements) == null;
    }

    /** One optimizer step over the micro-batches of an accumulation window. */
    public StepResult step(List<Batch> microBatches) {
        int labelled = microBatches.stream().mapToInt(Batch::labelledTokens).sum();
        if (labelled == 0) {
            throw new LorisException("every label of step " + (step + 1) + "'s batches is masked (-100), so there"
                    + " is nothing to learn from", "check train-on-responses-only masking and the chat template:"
                    + " each example needs some assistant tokens");
        }
        parameters.zeroGradients();
        double lossSum = 0;
        int tokens = 0;
        for (int micro = 0; micro < microBatches.size(); micro++) {
            Batch batch = microBatches.get(micro);
            try (ForwardPass pass = decoder.forward(batch, passSeed(micro), settings.checkpointing())) {
                lossSum += pass.train(parameters, 1f / labelled);
            } catch (RuntimeException e) {
                throw decoder.accelerator().isOutOfMemory(e) ? outOfMemory(e, batch) : e;
            }
            tokens += batch.tokens();
        }
        double loss = lossSum / labelled;
        double norm = gradientNorm();
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            throw new LorisException("step " + (step + 1) + ": the loss is " + loss + " and the gradient norm " + norm,
                    "lower the learning rate, keep gradient clipping on (--max-grad-norm 1), check the data for"
                            + " empty or huge examples, or train in bf16 with f32 master weights (the default)");
        }
        double clip = settings.maxGradNorm() > 0 && norm > settings.maxGradNorm() ? settings.maxGradNorm() / norm : 1;
        double lr = settings.schedule().at(step);
        for (int g = 0; g < optimizers.size(); g++) {
            optimizers.get(g).step(lr * groups.get(g).learningRateMultiplier(), clip);
        }
        parameters.parametersChanged();
        step++;
        return new StepResult(step, loss, norm, lr, tokens, labelled);
    }

    /** Out of device memory in a step: what was asked and free (the device's own message) and the knobs. */
    private LorisException outOfMemory(RuntimeException e, Batch batch) {
        String detail = e instanceof LorisException l ? l.getMessage() : String.valueOf(e.getMessage());
        List<String> knobs = new ArrayList<>(List.of("a smaller --batch-size or --max-seq-length (this micro-batch"
                + " has " + batch.tokens() + " tokens; --grad-accum keeps the effective batch)"));
        if (settings.checkpointing() != GradientCheckpointing.OFFLOAD) {
            knobs.add("--gradient-checkpointing " + (settings.checkpointing() == GradientCheckpointing.NONE
                    ? "standard or offload" : "offload"));
        }
        knobs.add("--load-in-4bit (QLoRA) for a 16-bit base model");
        knobs.add("--optim adamw8bit for full fine-tuning");
        return new LorisException("out of device memory in step " + (step + 1) + " on "
                + decoder.accelerator().description() + " (peak " + Units.bytes(
                decoder.accelerator().memoryStats().peakBytes()) + " in use): " + detail,
                "try " + String.join(", or ", knobs), e);
    }

    /** The global norm over every trained gradient (all groups, in order). */
    private double gradientNorm() {
        double squares = 0;
        for (Optimizer o : optimizers) {
            squares += Math.pow(o.gradientNorm(), 2);
        }
        return Math.sqrt(squares);
    }

    /** Dropout's seed for a micro-batch: distinct per run seed, step and micro-batch. */
    private long passSeed(int micro) {
        return settings.seed() * 0x9E3779B97F4A7C15L + (long) step * 1_000_003L + micro;
    }

    public int stepsDone() {
        return step;
    }

    public Decoder decoder() {
        return decoder;
    }

    public TrainableParameters parameters() {
        return parameters;
    }

    /** The optimizers, one per parameter group in the groups' order. */
    public List<Optimizer> optimizers() {
        return List.copyOf(optimizers);
    }

    /**
     * Writes every group's f32 master weights and optimizer state and the step count to {@code file}
     * (safetensors, atomically): everything a resume needs to continue bit for bit. The masters are saved here,
     * not only through {@link TrainableParameters#save}, because that writes what users load (a bf16 model is
     * rounded to bf16), and a resume from rounded weights would not continue the same run.
     */
    public void saveState(Path file) {
        SafetensorsWriter writer = new SafetensorsWriter().metadata("trainer.steps", Integer.toString(step));
        Map<DeviceArray, FloatArray> masters = new IdentityHashMap<>();
        for (int g = 0; g < optimizers.size(); g++) {
            TrainableParameters.Group group = groups.get(g);
            FloatArray host = masters.computeIfAbsent(group.parameters(), TrainerState::download);
            writer.add(group.name() + ".master", Dtype.F32, new long[] {group.length()},
                    host.getSegment().asSlice(group.offset() * Float.BYTES, group.length() * Float.BYTES));
            optimizers.get(g).writeState(writer, group.name() + ".");
        }
        writer.write(file);
    }

    /** Reads what {@link #saveState} wrote: masters, optimizer moments and step counts, the step. */
    public void loadState(Path file) {
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            String steps = in.metadata().get("trainer.steps");
            if (steps == null) {
                throw new LorisException(file + " is not a trainer state (no trainer.steps)",
                        "give the optimizer state file a checkpoint of this run wrote");
            }
            Map<DeviceArray, FloatArray> masters = new IdentityHashMap<>();
            for (int g = 0; g < optimizers.size(); g++) {
                TrainableParameters.Group group = groups.get(g);
                FloatArray host = masters.computeIfAbsent(group.parameters(), TrainerState::download);
                TrainerState.readMaster(in, group, host);
                optimizers.get(g).readState(in, group.name() + ".");
            }
            masters.forEach(DeviceArray::copyFrom);
            parameters.parametersChanged();
            step = Integer.parseInt(steps);
        }
    }

    @Override
    public void close() {
        optimizers.forEach(Optimizer::close);
    }
}
