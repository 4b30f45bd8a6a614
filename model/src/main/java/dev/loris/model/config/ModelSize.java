package dev.loris.model.config;

/**
 * Parameter counts of a decoder by part, for {@code loris info} and memory planning: the numbers
 * transformers' {@code model.num_parameters()} reports (tied embeddings counted once).
 *
 * @param embedding  embed_tokens: vocab × hidden
 * @param perLayer   one decoder layer: projections, their biases, the two RMSNorms (Gemma: four), q/k norms
 * @param finalNorm  the last RMSNorm
 * @param lmHead     lm_head: vocab × hidden, or 0 when tied to the embedding
 * @param layers     how many decoder layers
 */
public record ModelSize(long embedding, long perLayer, long finalNorm, long lmHead, int layers) {

    static ModelSize of(ModelConfig c) {
        long hidden = c.hiddenSize();
        long queryWidth = (long) c.numAttentionHeads() * c.headDim();
        long keyValueWidth = (long) c.numKeyValueHeads() * c.headDim();
        long attention = hidden * queryWidth + 2 * hidden * keyValueWidth + queryWidth * hidden;
        if (c.qkvBias()) {
            attention += queryWidth + 2 * keyValueWidth;
        }
        if (c.outputProjectionBias()) {
            attention += hidden;
        }
        long mlp = 3 * hidden * c.intermediateSize();
        long norms = (c.isGemma() ? 4 : 2) * hidden + (c.hasQkNorm() ? 2L * c.headDim() : 0);
        long embedding = (long) c.vocabSize() * hidden;
        return new ModelSize(embedding, attention + mlp + norms, hidden,
                c.tieWordEmbeddings() ? 0 : embedding, c.numHiddenLayers());
    }

    /** All parameters. */
    public long total() {
        return embedding + perLayer * layers + finalNorm + lmHead;
    }

    /** Parameters outside the embedding and the LM head (what model cards call "non-embedding"). */
    public long nonEmbedding() {
        return perLayer * layers + finalNorm;
    }

    /** Bytes of all weights stored as bfloat16 (2 bytes each), as in a bf16 safetensors checkpoint. */
    public long bf16Bytes() {
        return bytesAt(2);
    }

    /** Bytes of all weights at {@code bytesPerParameter} each (4 for float32, 2 for bf16/f16). */
    public long bytesAt(int bytesPerParameter) {
        return total() * bytesPerParameter;
    }
}
