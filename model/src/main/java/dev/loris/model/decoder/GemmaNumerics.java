package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.api.math.TornadoMath;

/**
 * The two places where Gemma's numbers differ outside its layers: the embedding scale sqrt(hidden_size), which HF
 * rounds to the model's dtype before multiplying ({@code torch.tensor(hidden_size**0.5, dtype=...)}), and the final
 * logit soft-capping of logits the host sees (tests, generation); the training loss caps inside the cross-entropy
 * kernel.
 */
final class GemmaNumerics {
    private GemmaNumerics() {
    }

    /** sqrt(hidden) in the precision's type: the factor of the embeddings; 1 for the other families. */
    static float embeddingScale(ModelConfig config, Precision precision) {
        if (!config.isGemma()) {
            return 1f;
        }
        float scale = (float) Math.sqrt(config.hiddenSize());
        return precision == Precision.BF16 ? TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(scale)) : scale;
    }

    /** The final soft-cap (0: none). */
    static float finalSoftCap(ModelConfig config) {
        return config.isGemma() ? (float) config.gemma().finalLogitSoftCap() : 0f;
    }

    /**
     * cap * tanh(x / cap) in place, each step rounded to the precision's type as HF's chain on bf16 logits; nothing
     * when cap is 0.
     */
    static void softCap(float[] logits, float cap, Precision precision) {
        if (cap == 0f) {
            return;
        }
        boolean bf16 = precision == Precision.BF16;
        for (int i = 0; i < logits.length; i++) {
            float scaled = round(logits[i] / cap, bf16);
            float t = round((float) Math.tanh(scaled), bf16);
            logits[i] = round(t * cap, bf16);
        }
    }

    private static float round(float value, boolean bf16) {
        return bf16 ? TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(value)) : value;
    }
}
