package dev.loris.tornado.kernels;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embedding gather and its deterministic backward, exact on every backend: forward copies bits into a
 * poisoned output; backward sums in a fixed order, so dW equals the reference bit for bit. dW cannot be
 * poisoned (the kernels add to it): it starts random, and rows of absent ids must keep their values.
 */
class EmbeddingTest {
    /** A random batch: ids that repeat (a small vocabulary, or one id filling half the batch) or mostly not. */
    private record Problem(int vocab, int hidden, int[] ids) {
        static Problem draw(SuiteInputs in) {
            int vocab = in.random.nextBoolean() ? in.between(1, 16) : in.between(17, 3000);
            int hidden = in.between(1, 300);
            int[] ids = new int[in.between(1, 200)];
            int hot = in.random.nextInt(vocab);
            boolean skewed = in.random.nextBoolean();
            for (int t = 0; t < ids.length; t++) {
                ids[t] = skewed && in.random.nextBoolean() ? hot : in.random.nextInt(vocab);
            }
            return new Problem(vocab, hidden, ids);
        }

        /** 2D grid over (columns, rows): sometimes fewer work-items than either, so both loops stride. */
        int[] grid(SuiteInputs in, int local, int rows) {
            int columnGroups = (hidden + local - 1) / local;
            return new int[] {local * in.between(1, columnGroups), in.between(1, rows)};
        }

        String describe(String what, int index, int[] grid) {
            return what + " element " + index + " (row " + index / hidden + ", column " + index % hidden + "), "
                    + ids.length + " tokens, vocab " + vocab + ", hidden " + hidden + ", grid " + grid[0] + "x"
                    + grid[1];
        }
    }

    @AcrossBackends
    void f32ForwardCopiesRows(SuiteAccelerator backend) {
        checkForward(backend, false);
    }

    @AcrossBackends
    void bf16ForwardCopiesRows(SuiteAccelerator backend) {
        checkForward(backend, true);
    }

    /** Both precisions in one body: inputs for both are drawn, the precision under test is run and compared. */
    private static void checkForward(SuiteAccelerator backend, boolean bf16) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        short[] weightBits = in.bf16(p.vocab * p.hidden, 3f);
        float[] weight = in.floats(p.vocab * p.hidden, 3f);
        long n = (long) p.ids.length * p.hidden;
        FloatArray outF32 = SuiteInputs.poisonedFloats(n);
        BFloat16Array outBf16 = SuiteInputs.poisonedBf16(n);
        int[] grid = p.grid(in, 32, p.ids.length);
        backend.run(SuiteInputs.kernel(Embedding.class, "forward"), grid, new int[] {32, 1},
                IntArray.fromArray(p.ids), bf16 ? BFloat16Array.fromArray(weightBits) : FloatArray.fromArray(weight),
                bf16 ? outBf16 : outF32, p.ids.length, p.hidden);
        float[] expectedF32 = EmbeddingReference.forwardReference(p.ids, weight, p.hidden);
        short[] expectedBf16 = EmbeddingReference.forwardBf16Reference(p.ids, weightBits, p.hidden);
        for (int i = 0; i < n; i++) {
            String where = in.at(backend, p.describe("output", i, grid));
            if (bf16) {
                assertEquals(expectedBf16[i], outBf16.getBits(i), where);
            } else {
                assertEquals(expectedF32[i], outF32.get(i), where);
            }
        }
    }

    @AcrossBackends
    void f32BackwardAddsSegmentSumsExactly(SuiteAccelerator backend) {
        checkBackward(backend, false);
    }

    @AcrossBackends
    void bf16BackwardAddsSegmentSumsExactly(SuiteAccelerator backend) {
        checkBackward(backend, true);
    }

    private static void checkBackward(SuiteAccelerator backend, boolean bf16) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        int n = p.ids.length * p.hidden;
        short[] dOutBits = in.bf16(n, 2f);
        float[] dOut = bf16 ? SuiteInputs.widen(dOutBits) : in.floats(n, 2f);
        float[] initial = in.floats(p.vocab * p.hidden, 1f);
        int offset = in.between(0, 40); // the gradient's place in a flat buffer of many parameters
        FloatArray dWeight = SuiteInputs.poisonedFloats(offset + initial.length);
        for (int i = 0; i < initial.length; i++) {
            dWeight.set(offset + i, initial[i]);
        }
        IntArray ids = IntArray.fromArray(p.ids);
        Embedding.Segments segments = Embedding.segments(ids, p.vocab);
        int[] grid = p.grid(in, 32, segments.count());
        backend.run(SuiteInputs.kernel(Embedding.class, "backward"), grid,
                new int[] {32, 1}, bf16 ? BFloat16Array.fromArray(dOutBits) : FloatArray.fromArray(dOut), ids,
                segments.order(), segments.starts(), dWeight, (long) offset, segments.count(), p.hidden);
        float[] expected = EmbeddingReference.backwardReference(dOut, p.ids, initial, p.hidden);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], dWeight.get(offset + i), in.at(backend, p.describe("dW", i, grid)));
        }
    }

    @Test
    void segmentsListPositionsByIdInTokenOrder() {
        Embedding.Segments segments = Embedding.segments(IntArray.fromArray(new int[] {5, 2, 5, 2, 7, 5}), 8);
        assertEquals(3, segments.count());
        assertArrayEquals(new int[] {1, 3, 0, 2, 5, 4}, segments.order().toHeapArray());
        assertArrayEquals(new int[] {0, 2, 5, 6}, segments.starts().toHeapArray());
    }

    @Test
    void idsOutsideTheVocabularyAreNamed() {
        Embedding.checkIds(IntArray.fromArray(new int[] {0, 99, 42}), 100);
        LorisException tooLarge = assertThrows(LorisException.class,
                () -> Embedding.checkIds(IntArray.fromArray(new int[] {0, 99, 100, 101}), 100));
        assertTrue(tooLarge.getMessage().contains("token id 100 at position 2"), tooLarge.getMessage());
        assertTrue(tooLarge.hint().contains("tokenizer"), tooLarge.hint());
        LorisException negative = assertThrows(LorisException.class,
                () -> Embedding.segments(IntArray.fromArray(new int[] {3, -1}), 100));
        assertTrue(negative.getMessage().contains("token id -1 at position 1"), negative.getMessage());
    }
}
