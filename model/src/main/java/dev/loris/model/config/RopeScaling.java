package dev.loris.model.config;

/**
 * The RoPE scaling a config.json asks for ({@code rope_scaling}, or {@code rope_parameters} as written by
 * transformers 5), for the rope types Loris computes exactly as transformers does. Absent scaling is
 * represented by a null RopeScaling in {@link ModelConfig}; "yarn" and "dynamic" are refused when reading, because
 * silently ignoring them would change every attention score; "longrope" is read for Phi-3 (and its older names "su"
 * and "yarn", which Phi3Config renames).
 */
public sealed interface RopeScaling {

    /** The {@code rope_type} string as written in config.json. */
    String ropeType();

    /** {@code rope_type: "linear"}: every inverse frequency divided by {@code factor}. */
    record Linear(double factor) implements RopeScaling {
        @Override
        public String ropeType() {
            return "linear";
        }
    }

    /**
     * {@code rope_type: "llama3"} (Llama 3.1 / 3.2 / 3.3): low frequencies divided by {@code factor}, high
     * frequencies kept, a smooth blend between; see {@link RopeFrequencies#llama3}.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor,
                  int originalMaxPositionEmbeddings) implements RopeScaling {
        @Override
        public String ropeType() {
            return "llama3";
        }
    }

    /**
     * {@code rope_type: "longrope"} (Phi-3 / 3.5 / 4): the inverse frequencies divided element-wise by
     * {@code shortFactor}, or by {@code longFactor} when the sequence is longer than
     * {@code originalMaxPositionEmbeddings}, and cos / sin multiplied by {@code attentionFactor}; see
     * {@link RopeFrequencies#longRope}. The factors are f32, as transformers makes them (torch.tensor, float32), one
     * per rotated pair.
     */
    record LongRope(float[] shortFactor, float[] longFactor, int originalMaxPositionEmbeddings,
                    double attentionFactor) implements RopeScaling {
        @Override
        public String ropeType() {
            return "longrope";
        }

        /** Whether a forward over sequences of {@code length} tokens uses the long factors (transformers' rule). */
        public boolean usesLongFactors(int length) {
            return length > originalMaxPositionEmbeddings;
        }

        @Override
        public String toString() {
            return "longrope (original context " + originalMaxPositionEmbeddings + ", attention factor "
                    + (float) attentionFactor + ")";
        }
    }
}
