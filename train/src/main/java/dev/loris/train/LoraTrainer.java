package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.lora.FullModules;
import dev.loris.lora.LoraAdapter;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The LoRA training step: one optimizer update over an accumulation window of micro-batches. Per window: zero
 * the adapter's gradients; for each micro-batch a forward (dropout seeded by step and micro-batch) and
 * {@link ForwardPass#train}, its loss gradient scaled by 1 / the window's labelled tokens, so the summed
 * gradients are the window's mean whatever the split; the gradients' global norm, clipped to
 * {@code maxGradNorm}; the optimizer on the adapter's flat buffers (and on each module trained in full); the
 * adapter's compute copy refreshed. A non-finite loss or gradient norm stops the run with the step and the
 * likely causes.
 */
public final class LoraTrainer implements AutoCloseable {
    /** How the adapter learns. {@code maxGradNorm} 0 turns clipping off. */
    public record Settings(LearningRateSchedule schedule, Optimizer.Kind optimizer, double maxGradNorm, long seed) {
    }

    /** What one step did: the window's mean loss, the gradient norm before clipping, the rate used. */
    public record StepResult(int step, double loss, double gradientNorm, double learningRate, int tokens,
                             int labelledTokens) {
    }

    private final Decoder decoder;
    private final LoraAdapter adapter;
    private final Settings settings;
    private final Optimizer optimizer;
    private final List<Optimizer> fullModuleOptimizers = new ArrayList<>();
    private int step;

    public LoraTrainer(Decoder decoder, LoraAdapter adapter, Settings settings) {
        this.decoder = decoder;
        this.adapter = adapter;
        this.settings = settings;
        this.optimizer = new Optimizer(decoder.accelerator(), adapter.parameters(), adapter.gradients(),
                settings.optimizer());
        for (FullModules.Trained t : adapter.fullModules().trained()) {
            fullModuleOptimizers.add(new Optimizer(decoder.accelerator(), t.master(), t.gradient(), settings.optimizer()));
        }
    }

    /** One optimizer step over the micro-batches of an accumulation window. */
    public StepResult step(List<Batch> microBatches) {
        int labelled = microBatches.stream().mapToInt(Batch::labelledTokens).sum();
        if (labelled == 0) {
            throw new LorisException("every label of step " + (step + 1) + "'s batches is masked (-100), so there"
                    + " is nothing to learn from", "check train-on-responses-only masking and the chat template:"
                    + " each example needs some assistant tokens");
        }
        adapter.zeroGradients();
        double lossSum = 0;
        int tokens = 0;
        for (int micro = 0; micro < microBatches.size(); micro++) {
            Batch batch = microBatches.get(micro);
            try (ForwardPass pass = decoder.forward(batch, passSeed(micro))) {
                lossSum += pass.train(adapter, 1f / labelled);
            }
            tokens += batch.tokens();
        }
        double loss = lossSum / labelled;
        double norm = gradientNorm();
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            throw new LorisException("step " + (step + 1) + ": the loss is " + loss + " and the gradient norm " + norm,
                    "lower the learning rate, keep gradient clipping on (--max-grad-norm 1), check the data for"
                            + " empty or huge examples, or train in bf16 with an f32 adapter (the default)");
        }
        double clip = settings.maxGradNorm() > 0 && norm > settings.maxGradNorm() ? settings.maxGradNorm() / norm : 1;
        double lr = settings.schedule().at(step);
        optimizer.step(lr, clip);
        fullModuleOptimizers.forEach(o -> o.step(lr, clip));
        adapter.parametersChanged();
        step++;
        return new StepResult(step, loss, norm, lr, tokens, labelled);
    }

    /** The global norm over every trained gradient (adapter and full modules). */
    private double gradientNorm() {
        double squares = Math.pow(optimizer.gradientNorm(), 2);
        for (Optimizer o : fullModuleOptimizers) {
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

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Every optimizer this trainer steps: the adapter's, then one per module trained in full (checkpoints). */
    public List<Optimizer> optimizers() {
        List<Optimizer> all = new ArrayList<>();
        all.add(optimizer);
        all.addAll(fullModuleOptimizers);
        return all;
    }

    /** Continues a resumed run: the next step is {@code stepsDone + 1} (its rate and dropout seeds follow). */
    public void resumeAt(int stepsDone) {
        this.step = stepsDone;
    }

    @Override
    public void close() {
        optimizer.close();
        fullModuleOptimizers.forEach(Optimizer::close);
    }
}
