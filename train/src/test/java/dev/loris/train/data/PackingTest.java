package dev.loris.train.data;

import dev.loris.LorisException;
import dev.loris.model.decoder.Batch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packing invariants, the deterministic split and shuffle, and exact resume, on a token cache of synthetic
 * examples (example e's token t has id e * 1000 + t, so every token says where it came from).
 */
class PackingTest {
    private static final int EXAMPLES = 60;
    private static final int MAX_SEQ = 32;
    private static final int BUDGET = 2 * MAX_SEQ;

    @TempDir
    Path dir;
    private TokenCache cache;
    private List<EncodedExample> examples;

    @BeforeEach
    void writeCache() {
        Random random = new Random(11);
        examples = new ArrayList<>();
        Path file = Path.of("synthetic.jsonl");
        try (TokenCacheWriter writer = new TokenCacheWriter(dir.resolve("tokens-test"))) {
            for (int e = 0; e < EXAMPLES; e++) {
                int n = 1 + random.nextInt(MAX_SEQ);
                int[] ids = new int[n];
                boolean[] trained = new boolean[n];
                for (int t = 0; t < n; t++) {
                    ids[t] = e * 1000 + t;
                    trained[t] = e == 0 ? false : t > 0 && random.nextInt(3) > 0 || t == n - 1;
                }
                EncodedExample example = new EncodedExample(ids, trained, n == MAX_SEQ, RowOrigin.line(file, 0, e + 1));
                examples.add(example);
                writer.add(example);
            }
            DataStats stats = new DataStats(EXAMPLES, EXAMPLES, 0, List.of(), 0, 0, 0, null, 0, 0, Map.of(), null);
            cache = writer.finish("fingerprint", List.of(file), stats);
        }
    }

    @AfterEach
    void closeCache() {
        cache.close();
    }

    private int[] usable() {
        return java.util.stream.IntStream.range(1, EXAMPLES).toArray(); // example 0 has no labels
    }

    private BatchStream stream(DataSplit split, DataPosition start, int epochs) {
        return new BatchStream(split, new Packer(cache, BUDGET, Integer.MAX_VALUE, "the test template"), start, epochs);
    }

    @Test
    void theCacheGivesBackWhatWasWritten() {
        assertEquals(EXAMPLES, cache.size());
        for (int e = 0; e < EXAMPLES; e++) {
            EncodedExample read = cache.example(e);
            assertArrayEquals(examples.get(e).ids(), read.ids());
            assertArrayEquals(examples.get(e).trained(), read.trained());
            assertEquals(examples.get(e).labelCount(), cache.labelCount(e));
            assertEquals(examples.get(e).origin(), cache.origin(e));
            assertEquals(examples.get(e).truncated(), cache.truncated(e));
        }
    }

    @Test
    void batchesHoldWholeSequencesWithinTheBudgetPositionsRestartAndLabelsStayInside() {
        DataSplit split = DataSplit.of(usable(), 0, 5, 42, true);
        BatchStream stream = stream(split, DataPosition.START, 1);
        int[] order = split.epochOrder(0);
        int taken = 0;
        Set<Integer> seen = new HashSet<>();
        while (stream.hasNext()) {
            Batch batch = stream.next();
            assertTrue(batch.tokens() <= BUDGET, "budget");
            List<Integer> inBatch = new ArrayList<>();
            for (int i = 0; i < batch.tokens(); i++) {
                int e = batch.ids()[i] / 1000;
                int t = batch.ids()[i] % 1000;
                assertEquals(t, batch.positions()[i], "positions restart per sequence");
                assertEquals(i - t, batch.sequenceStarts()[i], "sequence start");
                boolean last = t == examples.get(e).ids().length - 1;
                int expected = last || !examples.get(e).trained()[t + 1] ? Batch.IGNORED : batch.ids()[i] + 1;
                assertEquals(expected, batch.labels()[i], "label of example " + e + " token " + t);
                if (t == 0) {
                    inBatch.add(e);
                    assertTrue(seen.add(e), "example " + e + " twice in an epoch");
                }
            }
            for (int e : inBatch) {
                assertEquals(order[taken++], e, "examples in the epoch's order");
            }
            if (taken < order.length) {
                assertTrue(batch.tokens() + cache.length(order[taken]) > BUDGET, "greedy: the next one did not fit");
            }
            assertTrue(batch.labelledTokens() > 0);
        }
        assertEquals(split.trainSize(), seen.size(), "every training example once");
        for (int e : split.evalExamples()) {
            assertFalse(seen.contains(e), "eval example " + e + " trained on");
        }
    }

    @Test
    void theSplitAndTheShuffleDependOnTheSeedOnly() {
        DataSplit a = DataSplit.of(usable(), 0.1, 0, 7, true);
        DataSplit b = DataSplit.of(usable(), 0.1, 0, 7, true);
        assertEquals(6, a.evalSize(), "round(0.1 x 59)");
        assertArrayEquals(a.evalExamples(), b.evalExamples());
        assertArrayEquals(a.epochOrder(0), b.epochOrder(0));
        assertArrayEquals(a.epochOrder(3), b.epochOrder(3));
        assertFalse(Arrays.equals(a.epochOrder(0), a.epochOrder(1)), "each epoch has its own order");
        DataSplit other = DataSplit.of(usable(), 0.1, 0, 8, true);
        assertFalse(Arrays.equals(a.evalExamples(), other.evalExamples()) && Arrays.equals(a.epochOrder(0), other.epochOrder(0)));
        int[] sorted = a.epochOrder(2).clone();
        Arrays.sort(sorted);
        assertArrayEquals(DataSplit.of(usable(), 0.1, 0, 7, false).epochOrder(2), sorted,
                "a permutation of the training examples (file order without shuffling)");
        assertEquals(7, DataSplit.of(usable(), 0.5, 7, 7, true).evalSize(), "a count wins over the fraction");
        assertThrows(LorisException.class, () -> DataSplit.of(usable(), 0, 59, 7, true));
    }

    @Test
    void aStreamMadeAtASavedPositionYieldsExactlyTheBatchesThatFollowed() {
        DataSplit split = DataSplit.of(usable(), 0, 4, 3, true);
        BatchStream straight = stream(split, DataPosition.START, 3);
        List<Batch> all = new ArrayList<>();
        List<DataPosition> positions = new ArrayList<>();
        while (straight.hasNext()) {
            positions.add(straight.position());
            all.add(straight.next());
        }
        int perEpoch = new TrainingDataForTest(split).batchesInEpoch(0);
        assertTrue(all.size() > perEpoch * 2, "three epochs");
        for (int k : new int[]{1, perEpoch - 1, perEpoch, perEpoch + 3, all.size() - 1}) {
            BatchStream resumed = stream(split, positions.get(k), 3);
            for (int i = k; i < all.size(); i++) {
                Batch b = resumed.next();
                assertArrayEquals(all.get(i).ids(), b.ids(), "batch " + i + " resumed at " + k);
                assertArrayEquals(all.get(i).labels(), b.labels());
            }
            assertFalse(resumed.hasNext());
        }
        assertEquals(new DataPosition(1, 0), positions.get(perEpoch), "an epoch's end is the next one's start");
        int counted = 0;
        for (int e = 0; e < 3; e++) {
            counted += new TrainingDataForTest(split).batchesInEpoch(e);
        }
        assertEquals(all.size(), counted);
    }

    @Test
    void withoutPackingABatchHoldsAtMostBatchSizeSequences() {
        DataSplit split = DataSplit.of(usable(), 0, 0, 1, true);
        BatchStream stream = new BatchStream(split, new Packer(cache, Integer.MAX_VALUE, 2, "t"), DataPosition.START, 1);
        int batches = 0;
        while (stream.hasNext()) {
            Batch b = stream.next();
            long sequences = Arrays.stream(b.positions()).filter(p -> p == 0).count();
            assertTrue(sequences <= 2);
            batches++;
        }
        assertEquals((split.trainSize() + 1) / 2, batches);
    }

    @Test
    void aBatchWithEveryLabelMaskedIsRefusedNamingTheTemplateAndARow() {
        Packer packer = new Packer(cache, BUDGET, Integer.MAX_VALUE, "the chat template 'chatml'");
        LorisException e = assertThrows(LorisException.class, () -> packer.batch(new int[]{0}, 0, 1));
        assertTrue(e.getMessage().contains("'chatml'") && e.getMessage().contains("synthetic.jsonl line 1"),
                e.getMessage());
        assertTrue(e.hint().contains("--max-seq-length"), e.hint());
        assertNotEquals(0, packer.batch(new int[]{0, 1}, 0, 2).labelledTokens(), "one labelled sequence is enough");
    }

    /** batchesInEpoch without a tokenizer: TrainingData's count over the same split and packer. */
    private final class TrainingDataForTest {
        private final DataSplit split;

        TrainingDataForTest(DataSplit split) {
            this.split = split;
        }

        int batchesInEpoch(int epoch) {
            Packer packer = new Packer(cache, BUDGET, Integer.MAX_VALUE, "t");
            int[] order = split.epochOrder(epoch);
            int batches = 0;
            for (int i = 0; i < order.length; i += packer.take(order, i)) {
                batches++;
            }
            return batches;
        }
    }
}
