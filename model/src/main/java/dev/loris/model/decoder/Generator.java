package dev.loris.model.decoder;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.generate.Sampler;
import dev.loris.model.generate.SamplingSettings;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.kernels.Embedding;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.kernels.Rope;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Text generation with a KV cache, several prompts at once. The prompts go through one packed forward
 * (prefill: causal attention within each prompt) that also fills the cache; then each step feeds every
 * sequence's last token, appends its key and value to the cache and attends over the cache
 * (FlashDecoding, split over the cache). Each sequence stops at a stop id (EOS), when {@code stopWhen} says so
 * (stop strings), or after {@code maxNewTokens}; finished sequences ride along until all are done, their outputs ignored.
 *
 * <p>LongRoPE (Phi-3) rotates with its short factors until the longest sequence passes the original context, then
 * with its long ones; as transformers' Phi3ForCausalLM does at that switch, the cache is dropped and every sequence
 * so far is prefilled again with the long factors, so keys in the cache never mix the two.
 *
 * <p>Logits are computed for the last token of each sequence only (one GEMM row per sequence) and sampled
 * on the host by a {@link Sampler} per sequence.
 */
public final class Generator {
    private final Decoder decoder;

    public Generator(Decoder decoder) {
        this.decoder = decoder;
    }

    /**
     * The new tokens of each prompt (the stop token included when one ended it). {@code stopWhen} sees the
     * new tokens so far of one sequence; null for none.
     */
    public List<int[]> generate(List<int[]> prompts, int maxNewTokens, SamplingSettings settings, Set<Integer> stopIds,
                                Predicate<int[]> stopWhen) {
        if (prompts.isEmpty() || prompts.stream().anyMatch(p -> p.length == 0)) {
            throw new LorisException("generation needs at least one prompt, each of at least one token",
                    "give a non-empty prompt");
        }
        if (maxNewTokens < 1) {
            throw new InvalidSettingException("max new tokens is " + maxNewTokens, "ask for at least one new token");
        }
        ModelConfig config = decoder.config();
        Accelerator acc = decoder.accelerator();
        int seqs = prompts.size();
        int longestPrompt = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        // The cache and the histories are sized for the whole sequence: bound it by the context first.
        if ((long) longestPrompt + maxNewTokens > config.maxPositionEmbeddings()) {
            throw new InvalidSettingException("a prompt of " + longestPrompt + " tokens and " + maxNewTokens
                    + " new tokens exceed the model's context of " + config.maxPositionEmbeddings()
                    + " tokens (max_position_embeddings)", "ask for at most "
                    + Math.max(0, config.maxPositionEmbeddings() - longestPrompt) + " new tokens");
        }
        int capacity = longestPrompt + maxNewTokens;
        config.checkSequenceLength(capacity);
        List<int[]> outputs = new ArrayList<>();
        Sampler[] samplers = new Sampler[seqs];
        int[][] history = new int[seqs][capacity];
        for (int s = 0; s < seqs; s++) {
            outputs.add(new int[0]);
            samplers[s] = new Sampler(settings, s);
            System.arraycopy(prompts.get(s), 0, history[s], 0, prompts.get(s).length);
        }
        boolean[] done = new boolean[seqs];
        try (KvCache cache = new KvCache(acc, config, decoder.precision(), seqs, capacity);
             RopeTables rope = RopeTables.forGeneration(acc, config, capacity)) {
            float[][] logits = prefill(prompts, cache, rope.forLength(longestPrompt));
            int longest = longestPrompt;
            for (int step = 0; step < maxNewTokens; step++) {
                int[] next = new int[seqs];
                for (int s = 0; s < seqs; s++) {
                    int length = prompts.get(s).length + outputs.get(s).length;
                    next[s] = samplers[s].next(logits[s], history[s], length);
                    if (!done[s]) {
                        int[] grown = Arrays.copyOf(outputs.get(s), outputs.get(s).length + 1);
                        grown[grown.length - 1] = next[s];
                        outputs.set(s, grown);
                        history[s][length] = next[s];
                        done[s] = stopIds.contains(next[s]) || (stopWhen != null && stopWhen.test(grown));
                    }
                }
                if (allDone(done) || step == maxNewTokens - 1) {
                    break;
                }
                longest++;
                RopeTables tables = rope.forLength(longest);
                if (tables != rope.forLength(longest - 1)) { // LongRoPE's switch: recompute with the long factors
                    cache.clear();
                    List<int[]> sequences = new ArrayList<>();
                    for (int s = 0; s < seqs; s++) {
                        sequences.add(Arrays.copyOf(history[s], prompts.get(s).length + outputs.get(s).length));
                    }
                    logits = prefill(sequences, cache, tables);
                } else {
                    logits = step(next, cache, tables);
                }
            }
        }
        return outputs;
    }

    private static boolean allDone(boolean[] done) {
        for (boolean d : done) {
            if (!d) {
                return false;
            }
        }
        return true;
    }

    /** The packed forward over the prompts, filling the cache; the logits after each prompt's last token. */
    private float[][] prefill(List<int[]> prompts, KvCache cache, RopeTables rope) {
        Batch batch = Batch.of(prompts.toArray(new int[0][]));
        int[] counts = prompts.stream().mapToInt(p -> p.length).toArray();
        int[] last = new int[prompts.size()];
        for (int s = 0, at = 0; s < prompts.size(); s++) {
            at += counts[s];
            last[s] = at - 1;
        }
        // Only ids, positions and sequence starts: the RoPE table for the whole generation is already on the
        // device, and a prompt has no labels (a PackedBatch would build and upload both again).
        Accelerator acc = decoder.accelerator();
        IntArray ids = IntArray.fromArray(batch.ids());
        Embedding.checkIds(ids, decoder.config().vocabSize());
        try (DeviceArray deviceIds = acc.upload(ids);
             DeviceArray positions = acc.upload(IntArray.fromArray(batch.positions()));
             DeviceArray starts = acc.upload(IntArray.fromArray(batch.sequenceStarts()))) {
            return layersAndHead(deviceIds, batch.ids(), positions, rope, batch.tokens(), counts, last, cache, starts);
        }
    }

    /** One token per sequence at the position its cache has reached. */
    private float[][] step(int[] tokens, KvCache cache, RopeTables rope) {
        Accelerator acc = decoder.accelerator();
        int seqs = tokens.length;
        int[] positions = new int[seqs];
        int[] ones = new int[seqs];
        int[] rows = new int[seqs];
        for (int s = 0; s < seqs; s++) {
            positions[s] = cache.length(s);
            ones[s] = 1;
            rows[s] = s;
        }
        try (DeviceArray ids = acc.upload(IntArray.fromArray(tokens));
             DeviceArray devicePositions = acc.upload(IntArray.fromArray(positions))) {
            return layersAndHead(ids, tokens, devicePositions, rope, seqs, ones, rows, cache, null);
        }
    }

    /**
     * Embedding, the layers and the LM head for T tokens: with {@code sequenceStarts} the packed causal
     * attention of a prefill, without it one decoding step over the cache. Returns the logits of the rows
     * in {@code last}.
     */
    private float[][] layersAndHead(DeviceArray ids, int[] hostIds, DeviceArray positions, RopeTables rope, int t,
                                    int[] counts, int[] last, KvCache cache, DeviceArray sequenceStarts) {
        ModelConfig config = decoder.config();
        Accelerator acc = decoder.accelerator();
        Precision p = decoder.precision();
        KernelLaunchers ops = decoder.compute.kernels();
        long h = config.hiddenSize();
        try (DeviceArray x = acc.allocate(p.arrayType, t * h); DeviceArray y = acc.allocate(p.arrayType, t * h);
             DeviceArray scratch = acc.allocate(p.arrayType, t * h);
             DeviceArray rows = acc.upload(cache.append(counts));
             DeviceArray partials = sequenceStarts != null ? null : acc.allocate(FloatArray.class,
                     KernelLaunchers.decodePartialsLength(t, config.numAttentionHeads(), config.headDim(),
                             cache.capacity))) {
            decoder.weights.embed(decoder.compute, ids, hostIds, x, t);
            float embeddingScale = GemmaNumerics.embeddingScale(config, p);
            if (embeddingScale != 1f) {
                ops.scale(x, embeddingScale, t * h);
            }
            DeviceArray in = x;
            DeviceArray out = y;
            for (int l = 0; l < decoder.layers.size(); l++) {
                try (LayerActivations a = new LayerActivations(acc, config, p, t)) {
                    DecoderLayer layer = decoder.layers.get(l);
                    layer.attentionInputs(in, a, t, positions, rope);
                    ops.scatterRows(a.k, cache.keys(l), rows, t, cache.width);
                    ops.scatterRows(a.v, cache.values(l), rows, t, cache.width);
                    if (sequenceStarts != null) {
                        ops.attention(new dev.loris.tornado.kernels.AttentionShape(t, config.numAttentionHeads(),
                                        config.numKeyValueHeads(), config.headDim()), layer.attentionOptions(), a.q,
                                a.k, a.v, sequenceStarts, a.attention, a.logSumExp);
                    } else {
                        ops.attentionDecode(a.q, cache.keys(l), cache.values(l), cache.deviceLengths(), a.attention,
                                partials, t, config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(),
                                cache.capacity, layer.attentionOptions());
                    }
                    layer.afterAttention(in, out, a, t, scratch);
                }
                DeviceArray swap = in;
                in = out;
                out = swap;
            }
            return head(in, t, last, scratch);
        }
    }

    /** Final norm of all T rows, then the LM head for the rows in {@code last} only, to the host. */
    private float[][] head(DeviceArray hidden, int t, int[] last, DeviceArray normed) {
        ModelConfig config = decoder.config();
        Accelerator acc = decoder.accelerator();
        Precision p = decoder.precision();
        KernelLaunchers ops = decoder.compute.kernels();
        int vocab = config.vocabSize();
        int h = config.hiddenSize();
        int seqs = last.length;
        float[][] logits = new float[seqs][];
        try (DeviceArray inverseRms = acc.allocate(FloatArray.class, t);
             DeviceArray rows = acc.upload(IntArray.fromArray(last));
             DeviceArray lastNormed = acc.allocate(p.arrayType, (long) seqs * h);   // (seqs, H)
             DeviceArray out = acc.allocate(p.arrayType, (long) seqs * vocab)) {    // (seqs, vocab)
            new Norms(config, ops).forward(hidden, decoder.weights.finalNorm, normed, inverseRms, t, h);
            ops.gatherRows(normed, lastNormed, rows, seqs, h);
            decoder.weights.lmHead().forward(decoder.compute, lastNormed, seqs, out, null);
            float[] all = HostCopies.floats(out);
            for (int s = 0; s < seqs; s++) {
                logits[s] = Arrays.copyOfRange(all, s * vocab, (s + 1) * vocab);
                GemmaNumerics.softCap(logits[s], GemmaNumerics.finalSoftCap(config), p);
            }
        }
        return logits;
    }
}
