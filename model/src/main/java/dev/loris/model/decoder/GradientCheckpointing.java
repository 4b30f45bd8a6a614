package dev.loris.model.decoder;

import dev.loris.InvalidSettingException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a training forward keeps for the backward, traded against recomputation ({@link Decoder#forward(Batch,
 * long, GradientCheckpointing)}). Gradients are the same in every mode: the recomputed forward reruns the same
 * kernels on the same input with the same dropout seeds, so on the JVM they are equal bit for bit.
 */
public enum GradientCheckpointing {
    /** Every layer's activations stay on the device until the backward: no recomputation, the most memory. */
    NONE,
    /**
     * Only each layer's input (tokens, hidden) stays on the device; the backward recomputes one layer's forward
     * from it, runs that layer's backward and frees its activations before the next: one forward more per
     * step, one layer's activations at a time.
     */
    STANDARD,
    /**
     * As {@link #STANDARD}, with the layer inputs copied to pinned host memory on a copy stream while the next
     * layer computes, and brought back one layer ahead of the backward (Unsloth's "smart" checkpointing): the
     * device holds two layer inputs instead of one per layer. The copies overlap compute on CUDA; OpenCL and the
     * JVM make them in order on their one queue. A trainer in this mode also keeps a frozen, untied input
     * embedding in host memory ({@link Decoder#keepEmbeddingOnHost}).
     */
    OFFLOAD;

    /** The setting's name as users write it: none, standard, offload. */
    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code none}, {@code standard} or {@code offload} (any case); anything else is an InvalidSettingException. */
    public static GradientCheckpointing parse(String name) {
        for (GradientCheckpointing mode : values()) {
            if (mode.settingName().equalsIgnoreCase(name.strip())) {
                return mode;
            }
        }
        throw new InvalidSettingException("--gradient-checkpointing " + name + " is not known", "use one of "
                + Arrays.stream(values()).map(GradientCheckpointing::settingName).collect(Collectors.joining(", ")));
    }
}
