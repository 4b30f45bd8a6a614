package dev.loris.model.config;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RoPE inverse frequencies against an independent double-precision evaluation (random bases and head
 * widths, seed printed on failure) and the band structure of llama3 scaling. Bit-exactness against torch
 * is checked by {@link RopeFixtureTest} once the recorded fixture exists.
 */
class RopeFrequenciesTest {

    @Test
    void standardFrequenciesMatchDoublePrecisionWithinOneUlp() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int trial = 0; trial < 200; trial++) {
            double base = switch (random.nextInt(3)) {
                case 0 -> 10_000.0;
                case 1 -> 500_000.0;
                default -> 1_000.0 + random.nextDouble() * 2e6;
            };
            int dim = 2 * (1 + random.nextInt(128));
            float[] inverse = RopeFrequencies.standard(base, dim);
            assertEquals(dim / 2, inverse.length);
            for (int i = 0; i < inverse.length; i++) {
                double exponent = (float) (2 * i) / (float) dim;
                double expected = 1.0 / Math.pow((float) base, exponent);
                assertTrue(Math.abs(inverse[i] - expected) <= 1.5 * Math.ulp((float) expected),
                        "seed " + seed + ", base " + base + ", dim " + dim + ", i " + i + ": " + inverse[i]
                                + " vs " + expected);
            }
            assertEquals(1.0f, inverse[0], "seed " + seed);
        }
    }

    @Test
    void llama3KeepsHighFrequenciesDividesLowOnesAndBlendsBetween() {
        RopeScaling.Llama3 scaling = new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192);
        float[] plain = RopeFrequencies.standard(500_000.0, 128);
        float[] scaled = RopeFrequencies.llama3(500_000.0, 128, scaling);
        int kept = 0;
        int divided = 0;
        int blended = 0;
        for (int i = 0; i < plain.length; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            if (wavelen < 8192 / 4.0) {
                assertEquals(plain[i], scaled[i], "i " + i);
                kept++;
            } else if (wavelen > 8192 / 1.0) {
                assertEquals(plain[i] / 8.0f, scaled[i], "i " + i);
                divided++;
            } else {
                assertTrue(scaled[i] < plain[i] && scaled[i] > plain[i] / 8.0f, "i " + i);
                blended++;
            }
            if (i > 0) {
                assertTrue(scaled[i] < scaled[i - 1], "frequencies decrease: i " + i);
            }
        }
        assertTrue(kept > 0 && divided > 0 && blended > 0, kept + " kept, " + divided + " divided, " + blended);
    }

    @Test
    void linearScalingDividesEveryFrequency() {
        float[] plain = RopeFrequencies.standard(10_000.0, 64);
        float[] linear = RopeFrequencies.linear(10_000.0, 64, 4.0);
        for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i] / 4.0f, linear[i]);
        }
    }
}
