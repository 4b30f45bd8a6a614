package dev.loris.train;

import dev.loris.model.decoder.GradientSink;
import dev.loris.tornado.runtime.DeviceArray;

import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link Trainer} trains: parameter groups, each a range of a flat f32 master buffer with its gradients
 * at the same place of a gradient buffer of the same layout (llm.c's habit: one launch updates a group), and
 * the {@link GradientSink} a backward adds those gradients to. A LoRA adapter ({@link LoraParameters}) and every
 * weight of a decoder ({@link FullFineTuning}) are the two kinds.
 */
public interface TrainableParameters extends GradientSink, AutoCloseable {
    /**
     * Elements [offset, offset + length) of {@code parameters} (f32 master weights) and of {@code gradients}:
     * trained at the step's learning rate times {@code learningRateMultiplier}, with weight decay when
     * {@code weightDecay} (HF Trainer's habit: not for norms and biases).
     */
    record Group(String name, DeviceArray parameters, DeviceArray gradients, long offset, long length,
                 double learningRateMultiplier, boolean weightDecay) {
        public Group {
            if (offset < 0 || length < 1 || offset + length > parameters.length()
                    || parameters.length() != gradients.length() || !(learningRateMultiplier >= 0)) {
                throw new IllegalArgumentException("group " + name + ": [" + offset + ", " + (offset + length)
                        + ") of " + parameters + " / " + gradients + " at x" + learningRateMultiplier);
            }
        }
    }

    /** The groups, in a fixed order (the gradient norm and state files follow it). */
    List<Group> groups();

    /** Zeroes every gradient: at the start of each accumulation window. */
    void zeroGradients();

    /** After the master weights changed (an optimizer step, a load): refreshes what the decoder multiplies with. */
    void parametersChanged();

    /** Writes what was trained to {@code folder} (an adapter, or a whole model), atomically. */
    void save(Path folder);

    /** The folder name a run's final save gets under its output folder: "adapter" or "model". */
    String savedName();

    /** Frees the buffers this object owns (not the decoder). */
    @Override
    void close();
}
