package dev.loris.train.data;

import dev.loris.LorisException;
import dev.loris.model.decoder.Batch;
import dev.loris.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A dataset ready for training, what the trainer holds: the token cache, the eval split and the batch streams.
 *
 * <pre>{@code
 * try (TrainingData data = TrainingData.prepare(dataPath, tokenizer, options)) {
 *     BatchStream train = data.trainBatches(checkpoint == null ? DataPosition.START : checkpoint.data(), epochs);
 *     while (train.hasNext()) { Batch b = train.next(); ... save train.position() with a checkpoint ... }
 *     for (Batch b : data.evalBatches()) { ... }
 * }
 * }</pre>
 *
 * Examples with no trained token (a conversation without an assistant turn, or one truncated before it) are
 * kept out of both splits and counted ({@link DataStats#unlabelledExamples()}); when that leaves nothing, the
 * preparation fails naming the template and a row.
 */
public final class TrainingData implements AutoCloseable {
    private final TokenCache cache;
    private final DataSplit split;
    private final Packer packer;
    private final Path temporaryRoot;

    private TrainingData(TokenCache cache, DataSplit split, Packer packer, Path temporaryRoot) {
        this.cache = cache;
        this.split = split;
        this.packer = packer;
        this.temporaryRoot = temporaryRoot;
    }

    /**
     * Reads and tokenizes the dataset (or reuses the cache in {@link DataOptions#cacheDir()} made from the same
     * files and settings), then splits it.
     */
    public static TrainingData prepare(Path dataset, Tokenizer tokenizer, DataOptions options) {
        DatasetSource source = DatasetSource.open(dataset, options);
        Path temporaryRoot = null;
        Path root = options.cacheDir();
        if (root == null) {
            try {
                temporaryRoot = Files.createTempDirectory("loris-data-");
            } catch (IOException e) {
                throw new LorisException("cannot create a temporary folder for the token cache: " + e.getMessage(),
                        "set java.io.tmpdir to a writable folder, or give a cache folder", e);
            }
            root = temporaryRoot;
        }
        TokenCache cache;
        try {
            cache = new DatasetPreparer(source, tokenizer, options).prepare(root);
        } catch (RuntimeException e) {
            if (temporaryRoot != null) {
                TokenCacheWriter.deleteTree(temporaryRoot);
            }
            throw e;
        }
        try {
            String template = cache.stats().template() == null ? "raw text (no chat template)" : cache.stats().template();
            int[] usable = usable(cache, template);
            DataSplit split = DataSplit.of(usable, options.evalFraction(), options.evalCount(), options.seed(),
                    options.shuffle());
            int maxSequences = options.packing() ? Integer.MAX_VALUE : options.batchSize();
            int budget = options.packing() ? options.tokensPerBatch() : Integer.MAX_VALUE;
            return new TrainingData(cache, split, new Packer(cache, budget, maxSequences, template), temporaryRoot);
        } catch (RuntimeException e) {
            cache.close();
            if (temporaryRoot != null) {
                TokenCacheWriter.deleteTree(temporaryRoot);
            }
            throw e;
        }
    }

    private static int[] usable(TokenCache cache, String template) {
        int n = cache.size();
        int[] usable = new int[n];
        int count = 0;
        for (int e = 0; e < n; e++) {
            if (cache.labelCount(e) > 0) {
                usable[count++] = e;
            }
        }
        if (count == 0) {
            throw Packer.allMasked("every label of every example is masked (-100)", template, cache.origin(0));
        }
        return java.util.Arrays.copyOf(usable, count);
    }

    /** Training batches from {@code start} through epoch {@code epochs - 1} (without end when epochs is 0). */
    public BatchStream trainBatches(DataPosition start, int epochs) {
        return new BatchStream(split, packer, start, epochs);
    }

    /** Batches epoch {@code epoch} has (each epoch's order packs slightly differently). */
    public int batchesInEpoch(int epoch) {
        int[] order = split.epochOrder(epoch);
        int batches = 0;
        for (int i = 0; i < order.length; i += packer.take(order, i)) {
            batches++;
        }
        return batches;
    }

    /** The held-out examples packed into batches, in file order (the same every time). */
    public Iterable<Batch> evalBatches() {
        int[] order = split.evalExamples();
        return () -> new Iterator<>() {
            private int index;

            @Override
            public boolean hasNext() {
                return index < order.length;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int count = packer.take(order, index);
                Batch batch = packer.batch(order, index, count);
                index += count;
                return batch;
            }
        };
    }

    /** Trained predictions (label tokens) over the training split, for the summary. */
    public long trainLabelTokens() {
        long total = 0;
        for (int e : split.epochOrder(0)) {
            total += cache.labelCount(e);
        }
        return total;
    }

    public DataStats stats() {
        return cache.stats();
    }

    public DataSplit split() {
        return split;
    }

    public TokenCache cache() {
        return cache;
    }

    /** The eval examples' rows, for messages. */
    public List<RowOrigin> evalRows() {
        List<RowOrigin> rows = new ArrayList<>();
        for (int e : split.evalExamples()) {
            rows.add(cache.origin(e));
        }
        return rows;
    }

    @Override
    public void close() {
        cache.close();
        if (temporaryRoot != null) {
            TokenCacheWriter.deleteTree(temporaryRoot);
        }
    }
}
