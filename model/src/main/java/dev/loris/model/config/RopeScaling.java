package dev.loris.model.config;

/**
 * The RoPE scaling a config.json asks for ({@code rope_scaling}, or {@code rope_parameters} as written by
 * transformers 5), for the rope types Loris computes exactly as transformers does. Absent scaling is
 * represented by a null RopeScaling in {@link ModelConfig}; "yarn", "dynamic" and "longrope" are refused
 * when reading, because silently ignoring them would change every attention score.
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
}
