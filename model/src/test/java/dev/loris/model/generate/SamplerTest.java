package dev.loris.model.generate;

import dev.loris.LorisException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampler against transformers' logits processors, worked by hand on small cases, and its draws' distribution. */
class SamplerTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;

    @Test
    void greedyTakesTheFirstOfTiedMaxima() {
        float[] logits = {0.5f, 2f, -1f, 2f};
        assertEquals(1, new Sampler(SamplingSettings.GREEDY, 0).next(logits, new int[0], 0));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOncePerId() {
        float[] logits = {2f, -2f, 3f, 1f};
        Sampler.penaliseRepeats(logits, new int[] {0, 1, 0, 0, 1, 7}, 5, 2f);
        assertArrayEquals(new float[] {1f, -4f, 3f, 1f}, logits);
    }

    @Test
    void penaltyChangesTheGreedyChoice() {
        float[] logits = {3f, 2.5f, 0f};
        SamplingSettings penalised = new SamplingSettings(0f, 0, 1f, 1.5f, 1);
        assertEquals(1, new Sampler(penalised, 0).next(logits, new int[] {0}, 1));
    }

    @Test
    void topKKeepsTiesWithTheKthLogit() {
        float[] logits = {1f, 5f, 3f, 3f, 0f};
        new Sampler(new SamplingSettings(1f, 2, 1f, 1f, 1), 0).keepTopK(logits, 2);
        assertArrayEquals(new float[] {NEG, 5f, 3f, 3f, NEG}, logits);
    }

    @Test
    void topPDropsTheLeastProbableTokensWhoseMassStaysBelowOneMinusP() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        new Sampler(new SamplingSettings(1f, 0, 0.7f, 1f, 1), 0).keepTopP(logits, 0.7f);
        assertEquals(NEG, logits[2]);
        assertEquals(NEG, logits[3]);
        assertTrue(logits[0] > NEG && logits[1] > NEG);
    }

    @Test
    void topPAlwaysKeepsTheMostProbableToken() {
        float[] logits = logitsOf(0.9, 0.1);
        new Sampler(new SamplingSettings(1f, 0, 0.01f, 1f, 1), 0).keepTopP(logits, 0.01f);
        assertTrue(logits[0] > NEG);
        assertEquals(NEG, logits[1]);
    }

    @Test
    void drawsFollowTheSoftmaxOfTheTemperedLogits() {
        long seed = new Random().nextLong();
        double[] probabilities = {0.5, 0.3, 0.15, 0.05};
        float temperature = 0.7f;
        float[] base = logitsOf(probabilities);
        Sampler sampler = new Sampler(new SamplingSettings(temperature, 0, 1f, 1f, seed), 3);
        int draws = 40_000;
        int[] counts = new int[4];
        for (int i = 0; i < draws; i++) {
            counts[sampler.next(base.clone(), new int[0], 0)]++;
        }
        float[] tempered = base.clone();
        for (int i = 0; i < tempered.length; i++) {
            tempered[i] /= temperature;
        }
        double[] expected = Sampler.softmax(tempered);
        for (int i = 0; i < 4; i++) {
            double sigma = Math.sqrt(draws * expected[i] * (1 - expected[i]));
            assertTrue(Math.abs(counts[i] - draws * expected[i]) < 5 * sigma,
                    "token " + i + ": " + counts[i] + " draws, expected " + draws * expected[i] + " (seed " + seed + ")");
        }
    }

    @Test
    void invalidSettingsNameTheSetting() {
        LorisException e = assertThrows(LorisException.class, () -> new SamplingSettings(0.7f, 0, 1.5f, 1f, 0));
        assertTrue(e.getMessage().contains("top-p"), e.getMessage());
        assertThrows(LorisException.class, () -> new SamplingSettings(-1f, 0, 1f, 1f, 0));
        assertThrows(LorisException.class, () -> new SamplingSettings(1f, -3, 1f, 1f, 0));
        assertThrows(LorisException.class, () -> new SamplingSettings(1f, 0, 1f, 0f, 0));
    }

    private static float[] logitsOf(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.log(probabilities[i]);
        }
        return logits;
    }
}
