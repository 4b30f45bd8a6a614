package dev.loris.gguf.export;

import dev.loris.gguf.GgufMetadata;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.config.RopeScaling;

/**
 * The {@code general.*} and {@code <arch>.*} keys llama.cpp's loader reads for llama / qwen2 / qwen3, typed
 * as gguf-py writes them (counts UINT32, floats FLOAT32). key_length / value_length are always written, so a
 * head_dim that is not hidden_size / heads (Qwen3) is never lost. Llama 3 RoPE scaling is not a key but the
 * rope_freqs tensor ({@link #ropeFactors}); linear scaling is rope.scaling.type + factor.
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
        m.putUint32("general.file_type", fileType.ftype());
        m.putUint32("general.quantization_version", 2);
        return m;
    }

    /**
     * rope_freqs.weight for Llama 3 scaling: per frequency the divisor llama.cpp applies to it (1 for short
     * wavelengths, factor for long ones, a blend between), computed as convert_hf_to_gguf.py does, in double
     * from float32 frequencies; null when the model has no llama3 scaling.
     */
    public static float[] ropeFactors(ModelConfig config) {
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
