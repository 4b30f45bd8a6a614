package dev.loris.gguf.export;

import dev.loris.gguf.GgufException;
import dev.loris.gguf.GgufMetadata;
import dev.loris.model.config.Architecture;
import dev.loris.model.config.GemmaSettings;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.config.RopeScaling;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code general.*} and {@code <arch>.*} keys llama.cpp's loader reads for llama / qwen2 / qwen3 / gemma2 /
 * gemma3 / phi3, typed as gguf-py writes them (counts UINT32, floats FLOAT32). key_length / value_length are always
 * written, so a head_dim that is not hidden_size / heads (Qwen3, Gemma) is never lost. Llama 3 RoPE scaling is not a
 * key but the rope_freqs tensor; Phi-3's LongRoPE is rope_factors_short / rope_factors_long ({@link
 * #generatedTensors}) with the original context and attention factor as keys; linear scaling is rope.scaling.type +
 * factor.
 *
 * <p>llama.cpp fixes parts of Gemma that transformers reads from config.json, so a model outside them is refused
 * (a GGUF that llama.cpp would run differently is worse than none): the attention scale is head_dim^-0.5 (hidden /
 * heads for 46-layer Gemma 2 27B), not query_pre_attn_scalar^-0.5; Gemma 2 slides on even layers, Gemma 3 on all but
 * every sixth, with a local RoPE base of 10000. llama.cpp also switches Phi-3's sliding window off (its loader's
 * "Phi SWA is currently disabled"), which the key written here cannot change.
 */
public final class ModelMetadata {
    private ModelMetadata() {
    }

    public static GgufMetadata of(ModelConfig config, String name, GgufFileType fileType) {
        String arch = TensorNames.architecture(config);
        GgufMetadata m = new GgufMetadata();
        m.putString("general.architecture", arch);
        m.putString("general.type", "model");
        m.putString("general.name", name);
        m.putUint32(arch + ".block_count", config.numHiddenLayers());
        m.putUint32(arch + ".context_length", config.maxPositionEmbeddings());
        m.putUint32(arch + ".embedding_length", config.hiddenSize());
        m.putUint32(arch + ".feed_forward_length", config.intermediateSize());
        m.putUint32(arch + ".attention.head_count", config.numAttentionHeads());
        m.putUint32(arch + ".attention.head_count_kv", config.numKeyValueHeads());
        m.putFloat32(arch + ".rope.freq_base", config.ropeTheta());
        m.putFloat32(arch + ".attention.layer_norm_rms_epsilon", config.rmsNormEps());
        m.putUint32(arch + ".attention.key_length", config.headDim());
        m.putUint32(arch + ".attention.value_length", config.headDim());
        if (config.ropeScaling() instanceof RopeScaling.Linear linear) {
            m.putString(arch + ".rope.scaling.type", "linear");
            m.putFloat32(arch + ".rope.scaling.factor", linear.factor());
        }
        if (arch.equals("llama")) {
            m.putUint32("llama.vocab_size", config.vocabSize());
            m.putUint32("llama.rope.dimension_count", config.headDim());
        }
        if (config.isGemma()) {
            gemma(config, arch, m);
        }
        if (config.hasFusedProjections()) {
            m.putUint32("phi3.rope.dimension_count", config.rotaryDim());
            if (config.slidingWindow() != null) {
                m.putUint32("phi3.attention.sliding_window", config.slidingWindow());
            }
            if (config.ropeScaling() instanceof RopeScaling.LongRope longRope) {
                m.putUint32("phi3.rope.scaling.original_context_length", longRope.originalMaxPositionEmbeddings());
                m.putFloat32("phi3.rope.scaling.attn_factor", longRope.attentionFactor());
            }
        }
        m.putUint32("general.file_type", fileType.ftype());
        m.putUint32("general.quantization_version", 2);
        return m;
    }

    private static void gemma(ModelConfig config, String arch, GgufMetadata m) {
        GemmaSettings g = config.gemma();
        boolean gemma27b = config.architecture() == Architecture.GEMMA2 && config.numHiddenLayers() == 46;
        double llamaCppScalar = gemma27b ? (double) (config.hiddenSize() / config.numAttentionHeads()) : config.headDim();
        if (g.queryPreAttnScalar() != llamaCppScalar) {
            throw new GgufException("query_pre_attn_scalar = " + g.queryPreAttnScalar() + " in config.json, but "
                    + "llama.cpp scales " + arch + "'s attention by " + llamaCppScalar + "^-0.5",
                    "a GGUF of this model would compute other attention scores; export safetensors instead");
        }
        int pattern = config.architecture() == Architecture.GEMMA2 ? 2 : 6;
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            boolean llamaCpp = l % pattern < pattern - 1;
            if (g.isSliding(l) != llamaCpp) {
                throw new GgufException("layer " + l + " is " + (g.isSliding(l) ? "sliding" : "global")
                        + " in config.json, but llama.cpp makes it " + (llamaCpp ? "sliding" : "global")
                        + " (" + arch + ": every " + pattern + "th layer global)",
                        "a GGUF of this model would attend differently; export safetensors instead");
            }
        }
        if (config.architecture() == Architecture.GEMMA3_TEXT && g.localRopeTheta() != 10_000.0) {
            throw new GgufException("rope_local_base_freq = " + g.localRopeTheta() + ", but llama.cpp rotates "
                    + "Gemma 3's sliding layers with base 10000", "export safetensors instead");
        }
        if (g.slidingLayers().contains(true)) {
            m.putUint32(arch + ".attention.sliding_window", g.slidingWindow());
        }
        if (g.attentionSoftCap() != 0) {
            m.putFloat32(arch + ".attn_logit_softcapping", g.attentionSoftCap());
        }
        if (g.finalLogitSoftCap() != 0) {
            m.putFloat32(arch + ".final_logit_softcapping", g.finalLogitSoftCap());
        }
    }

    /**
     * Tensors the exporter makes rather than copies, by GGUF name (1-D, f32): rope_freqs.weight for Llama 3
     * scaling; Phi-3's rope_factors_short.weight and rope_factors_long.weight (LongRoPE's factors, by which
     * llama.cpp divides each frequency, picking the long ones when its context exceeds the original).
     */
    public static Map<String, float[]> generatedTensors(ModelConfig config) {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        float[] llama3 = ropeFactors(config);
        if (llama3 != null) {
            tensors.put("rope_freqs.weight", llama3);
        }
        if (config.ropeScaling() instanceof RopeScaling.LongRope longRope) {
            tensors.put("rope_factors_long.weight", longRope.longFactor().clone());
            tensors.put("rope_factors_short.weight", longRope.shortFactor().clone());
        }
        return tensors;
    }

    /**
     * rope_freqs.weight for Llama 3 scaling: per frequency the divisor llama.cpp applies to it (1 for short
     * wavelengths, factor for long ones, a blend between), computed as convert_hf_to_gguf.py does, in double
     * from float32 frequencies; null when the model has no llama3 scaling.
     */
    static float[] ropeFactors(ModelConfig config) {
        if (!(config.ropeScaling() instanceof RopeScaling.Llama3 s)) {
            return null;
        }
        float[] inverse = dev.loris.model.config.RopeFrequencies.standard(config.ropeTheta(), config.headDim());
        double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        float[] factors = new float[inverse.length];
        for (int i = 0; i < inverse.length; i++) {
            double wavelen = 2 * Math.PI / inverse[i];
            if (wavelen < highWavelen) {
                factors[i] = 1;
            } else if (wavelen > lowWavelen) {
                factors[i] = (float) s.factor();
            } else {
                double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                factors[i] = (float) (1 / ((1 - smooth) / s.factor() + smooth));
            }
        }
        return factors;
    }
}
