package dev.loris.model.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The shape and numerics of a decoder, as read from a Hugging Face config.json by
 * {@link ModelConfigReader}: every value already defaulted as transformers defaults it and checked for
 * consistency, so code downstream never consults the JSON again.
 *
 * <p>Biases are split by what they attach to, because the families differ: Llama's attention_bias puts
 * biases on q, k, v and o; Qwen2 always has them on q, k and v and never on o; Mistral never has any.
 *
 * <p>{@code slidingWindow} is the window that transformers would actually apply (Qwen's only when
 * use_sliding_window is true), or null. For Mistral and Qwen Loris computes full causal attention, which equals
 * sliding-window attention for sequences no longer than the window; {@link #checkSequenceLength}
 * refuses longer ones instead of silently computing something else. Phi-3's window is computed by the attention
 * kernels ({@link #attentionWindow}), so any length is accepted.
 *
 * @param ropeScaling           null for plain RoPE
 * @param rotaryDim             how many values of each head RoPE rotates: head_dim, or int(head_dim *
 *                              partial_rotary_factor) where a config sets that (Phi-4-mini: 0.75)
 * @param bosTokenId            null when the config has none
 * @param eosTokenIds           empty when none; several for Llama 3.1 ([128001, 128008, 128009])
 * @param padTokenId            null when none
 * @param slidingWindow         null when attention is not windowed
 * @param dtype                 {@code dtype} or the older {@code torch_dtype} ("bfloat16"), or null
 * @param gemma                 Gemma's settings (soft-capping, sliding layers, attention scale), null otherwise;
 *                              Gemma's windows are per layer and computed by the kernels, so slidingWindow is null
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int rotaryDim,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputProjectionBias,
        String hiddenAct,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        Integer slidingWindow,
        String dtype,
        GemmaSettings gemma) {

    public ModelConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(hiddenAct, "hiddenAct");
        eosTokenIds = List.copyOf(eosTokenIds);
        if (rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > headDim) {
            throw new IllegalArgumentException("rotary dimension " + rotaryDim + " for heads of " + headDim);
        }
        if (architecture.isGemma() != (gemma != null)) {
            throw new IllegalArgumentException("Gemma settings are for Gemma architectures, and required by them");
        }
    }

    /** A config of a family without Gemma's settings (Llama, Mistral, Qwen). */
    public ModelConfig(Architecture architecture, int vocabSize, int hiddenSize, int intermediateSize,
                       int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads, int headDim,
                       double rmsNormEps, double ropeTheta, RopeScaling ropeScaling, int maxPositionEmbeddings,
                       boolean tieWordEmbeddings, boolean qkvBias, boolean outputProjectionBias, String hiddenAct,
                       Integer bosTokenId, List<Integer> eosTokenIds, Integer padTokenId, Integer slidingWindow,
                       String dtype) {
        this(architecture, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, rmsNormEps, ropeTheta, ropeScaling, headDim, maxPositionEmbeddings,
                tieWordEmbeddings, qkvBias, outputProjectionBias, hiddenAct, bosTokenId, eosTokenIds, padTokenId,
                slidingWindow, dtype, null);
    }

    /** Whether this is a Gemma model ({@link #gemma()} then holds its settings). */
    public boolean isGemma() {
        return gemma != null;
    }

    /** The softmax scale of attention: query_pre_attn_scalar^-0.5 for Gemma, head_dim^-0.5 otherwise. */
    public float attentionScale() {
        return gemma != null ? gemma.attentionScale() : (float) (1 / Math.sqrt(headDim));
    }

    /**
     * The RoPE inverse frequencies of Gemma's sliding layers (their own base, no scaling), or null when every
     * layer uses {@link #ropeInverseFrequencies()} (other families, and Gemma 2 whose bases agree).
     */
    public float[] localRopeInverseFrequencies() {
        if (gemma == null || (gemma.localRopeTheta() == ropeTheta && ropeScaling == null)) {
            return null;
        }
        return RopeFrequencies.standard(gemma.localRopeTheta(), headDim);
    }

    /**
     * The window the attention kernels apply on layer {@code layer} (0: none): Gemma's sliding layers', and Phi-3's
     * sliding_window on every layer, unless no sequence can reach past it (Phi-3.5 and Phi-4-mini set 262144,
     * beyond their context), which keeps the windowless kernels (FlashAttention on CUDA) in use.
     */
    public int attentionWindow(int layer) {
        if (gemma != null) {
            return gemma.windowOf(layer);
        }
        boolean computed = architecture.hasFusedProjections() && slidingWindow != null;
        return computed && slidingWindow < maxPositionEmbeddings ? slidingWindow : 0;
    }

    /** Whether q, k, v and gate, up come fused (Phi-3's qkv_proj and gate_up_proj). */
    public boolean hasFusedProjections() {
        return architecture.hasFusedProjections();
    }

    /**
     * The inverse frequencies for a forward whose longest sequence has {@code length} tokens: LongRoPE's long
     * factors beyond the original context, {@link #ropeInverseFrequencies()} otherwise (every other scaling).
     */
    public float[] ropeInverseFrequencies(int length) {
        if (ropeScaling instanceof RopeScaling.LongRope longRope && longRope.usesLongFactors(length)) {
            return RopeFrequencies.longRope(ropeTheta, rotaryDim, longRope.longFactor());
        }
        return ropeInverseFrequencies();
    }

    /** The factor transformers multiplies cos and sin by: LongRoPE's attention factor, 1 for other scalings. */
    public float ropeAttentionScaling() {
        return ropeScaling instanceof RopeScaling.LongRope longRope ? (float) longRope.attentionFactor() : 1f;
    }

    /** Reads {@code config.json} from a model folder, or the file itself when given one. */
    public static ModelConfig read(Path folderOrFile) {
        return ModelConfigReader.read(folderOrFile);
    }

    /** Query heads per key/value head (grouped-query attention). */
    public int queryGroupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Whether q and k are RMS-normalised per head before RoPE (Qwen3's q_norm / k_norm). */
    public boolean hasQkNorm() {
        return architecture.hasQkNorm();
    }

    /**
     * The RoPE inverse frequencies, {@code rotaryDim / 2} of them, as transformers computes them in float32
     * (plain, linear, llama3 scaling, or LongRoPE's short factors: see {@link #ropeInverseFrequencies(int)}).
     */
    public float[] ropeInverseFrequencies() {
        return switch (ropeScaling) {
            case null -> RopeFrequencies.standard(ropeTheta, rotaryDim);
            case RopeScaling.Linear linear -> RopeFrequencies.linear(ropeTheta, rotaryDim, linear.factor());
            case RopeScaling.Llama3 llama3 -> RopeFrequencies.llama3(ropeTheta, rotaryDim, llama3);
            case RopeScaling.LongRope longRope -> RopeFrequencies.longRope(ropeTheta, rotaryDim, longRope.shortFactor());
        };
    }

    /** Parameter counts by part, and the bytes of the weights at a given width. */
    public ModelSize size() {
        return ModelSize.of(this);
    }

    /**
     * Refuses sequences longer than the sliding window: beyond it, transformers masks keys outside the
     * window while Loris attends to all earlier tokens, so the two would train different models.
     */
    public void checkSequenceLength(int sequenceLength) {
        if (slidingWindow != null && sequenceLength > slidingWindow && !architecture.hasFusedProjections()) {
            throw new ConfigException("config.json sets sliding_window = " + slidingWindow + " for this "
                    + architecture.modelType() + " model, and sequences of " + sequenceLength
                    + " tokens are longer than that: Loris computes full causal attention, which matches "
                    + "sliding-window attention only up to the window",
                    "use a maximum sequence length of at most " + slidingWindow + " tokens");
        }
    }
}
