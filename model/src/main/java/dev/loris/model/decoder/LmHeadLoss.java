package dev.loris.model.decoder;

import dev.loris.tornado.runtime.DeviceArray;

/**
 * The LM head and the cross-entropy fused, a chunk of tokens at a time, so the (tokens, vocab) logits never
 * exist at once: for each chunk of C rows, logits (C, vocab) = normed · Wᵀ, then the cross-entropy kernel writes
 * the rows' losses and turns the chunk into the gradient of the logits, then (when asked) dNormed of those rows
 * = gradient · W and the head's weight gradient += gradientᵀ · normed. The largest extra buffer is one chunk:
 * (Gemma 2 soft-caps the logits there: final_logit_softcapping) {@link #CHUNK_BYTES} at most (256 MiB: 1,024 tokens of Llama 3's 128,256-word vocabulary in bf16, where the
 * whole logits of 4,096 tokens would take 1 GiB, and their f32 gradient 2 GiB more in a naive step).
 *
 * <p>Chunks are rows of the batch ({@link DenseProjection#forwardRows} / {@code backwardRows}, GEMM offsets), so
 * the head must be a {@link DenseProjection} (it always is when loaded); any other head runs as one chunk.
 */
final class LmHeadLoss {
    static final long CHUNK_BYTES = 256L << 20;
    /**
     * The chunk of gradient checkpointing offload, the memory mode: 64 MiB (256 tokens of a 128K vocabulary), the
     * LM head's GEMMs still thousands of rows by 128K wide.
     */
    static final long MEMORY_MODE_CHUNK_BYTES = 64L << 20;
    /** Tests set a small chunk to exercise several chunks on tiny models; 0 chooses from {@link #CHUNK_BYTES}. */
    static int testChunkRows;

    private LmHeadLoss() {
    }

    /** Rows per chunk of at most {@code chunkBytes} for a batch of {@code tokens} (at least 1, at most tokens). */
    static int chunkRows(int tokens, int vocab, int elementBytes, long chunkBytes) {
        if (testChunkRows > 0) {
            return Math.min(tokens, testChunkRows);
        }
        return (int) Math.max(1, Math.min(tokens, chunkBytes / ((long) vocab * elementBytes)));
    }

    /**
     * Losses (tokens) f32 of the batch, the gradient's scale {@code scale} (1 / the labelled tokens of the
     * accumulation window); dNormed (tokens, hidden) written when not null, the head's gradient added to the
     * sink's slot when it has one.
     */
    static void run(Decoder decoder, DeviceArray normed, DeviceArray labels, DeviceArray losses, int tokens,
                    float scale, DeviceArray dNormed, GradientSink sink, long chunkBytes) {
        Compute c = decoder.compute;
        Projection head = decoder.weights.lmHead();
        int vocab = decoder.config().vocabSize();
        Precision p = decoder.precision();
        int rows = head instanceof DenseProjection ? chunkRows(tokens, vocab, elementBytes(p), chunkBytes) : tokens;
        try (DeviceArray chunk = decoder.accelerator().allocate(p.arrayType, (long) rows * vocab)) { // (C, vocab)
            for (int first = 0; first < tokens; first += rows) {
                int n = Math.min(rows, tokens - first);
                if (head instanceof DenseProjection dense) {
                    denseChunk(c, dense, normed, labels, losses, first, n, chunk, scale, dNormed, sink, vocab,
                            GemmaNumerics.finalSoftCap(decoder.config()));
                } else {
                    head.forward(c, normed, tokens, chunk, null);
                    c.kernels().crossEntropy(chunk, labels, losses, 0, tokens, vocab, scale,
                            GemmaNumerics.finalSoftCap(decoder.config()));
                    if (dNormed != null) {
                        head.backward(c, chunk, normed, tokens, dNormed, false, null, sink);
                    }
                }
            }
        }
    }

    private static void denseChunk(Compute c, DenseProjection head, DeviceArray normed, DeviceArray labels,
                                   DeviceArray losses, int first, int n, DeviceArray chunk, float scale,
                                   DeviceArray dNormed, GradientSink sink, int vocab, float softCap) {
        head.forwardRows(c, normed, first, n, chunk);
        c.kernels().crossEntropy(chunk, labels, losses, first, n, vocab, scale, softCap);
        if (dNormed != null) {
            head.backwardRows(c, chunk, normed, first, n, dNormed, sink);
        }
    }

    private static int elementBytes(Precision p) {
        return p == Precision.BF16 ? 2 : 4;
    }
}
