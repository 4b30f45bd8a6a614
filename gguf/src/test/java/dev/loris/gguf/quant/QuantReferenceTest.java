package dev.loris.gguf.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.gguf.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quantisers against llama.cpp's reference rounding: Q8_0 and Q4_0 byte for byte against
 * quant/reference_quants.json (a numpy port of quantize_row_q8_0_ref / q4_0_ref, reference_quants.py), and
 * every type's round trip within the error its format allows, on fresh random rows with the output poisoned
 * first. (The K-quants are compared byte for byte with llama.cpp's own quantiser in LlamaQuantizeTest.)
 */
class QuantReferenceTest {
    @Test
    void q8_0AndQ4_0MatchTheNumpyPortOfTheReference() throws IOException {
        JsonNode rows;
        try (InputStream in = getClass().getResourceAsStream("/quant/reference_quants.json")) {
            rows = new ObjectMapper().readTree(in);
        }
        assertEquals(8, rows.size());
        for (JsonNode row : rows) {
            float[] x = new float[row.path("bits").size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = Float.intBitsToFloat((int) row.path("bits").get(i).asLong());
            }
            for (String type : new String[] {"q8_0", "q4_0"}) {
                BlockQuantizer q = BlockQuantizer.of(GgmlType.valueOf(type.toUpperCase()));
                byte[] ours = poisoned((int) q.type().rowBytes(x.length));
                q.quantize(x, 0, x.length, ours, 0);
                assertArrayEquals(HexFormat.of().parseHex(row.path(type).asText()), ours, type + " of row " + x[0]);
            }
        }
    }

    @Test
    void nearestIntRoundsHalvesToEven() {
        assertEquals(2, KQuantSearch.nearestInt(2.5f));
        assertEquals(4, KQuantSearch.nearestInt(3.5f));
        assertEquals(-2, KQuantSearch.nearestInt(-2.5f));
        assertEquals(-3, KQuantSearch.nearestInt(-2.6f));
        assertEquals(0, KQuantSearch.nearestInt(0.49999997f));
    }

    /** Worst error allowed, relative to the largest magnitude of each block, per type (block-size rows). */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void roundTripsWithinTheFormatsError(GgmlType type) {
        double tolerance = switch (type) {
            case F32 -> 0;
            case F16 -> 1e-3;
            case BF16 -> 8e-3;
            case Q8_0 -> 1.0 / 127;
            case Q6_K -> 0.04;
            case Q5_0, Q5_1, Q5_K -> 0.07;
            default -> 0.15;
        };
        BlockQuantizer q = BlockQuantizer.of(type);
        SplittableRandom random = new SplittableRandom(7 + type.ordinal());
        int n = 1024;
        for (double scale : new double[] {1e-3, 1, 50}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (scale * random.nextGaussian());
            }
            byte[] bytes = poisoned((int) type.rowBytes(n));
            q.quantize(x, 0, n, bytes, 0);
            float[] back = new float[n];
            java.util.Arrays.fill(back, Float.NaN);
            q.dequantize(bytes, 0, n, back, 0);
            int block = Math.max(type.blockSize(), 32);
            for (int b = 0; b < n / block; b++) {
                double max = 0;
                for (int i = 0; i < block; i++) {
                    max = Math.max(max, Math.abs(x[b * block + i]));
                }
                for (int i = 0; i < block; i++) {
                    int at = b * block + i;
                    double error = Math.abs(back[at] - x[at]);
                    assertTrue(error <= tolerance * max, type + " at " + at + ": " + x[at] + " came back as "
                            + back[at] + ", error " + error / max + " of the block's largest; tolerance " + tolerance);
                }
            }
        }
    }

    @Test
    void zeroBlocksStayZero() {
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            BlockQuantizer q = BlockQuantizer.of(type);
            float[] x = new float[256];
            byte[] bytes = poisoned((int) type.rowBytes(256));
            q.quantize(x, 0, 256, bytes, 0);
            float[] back = new float[256];
            q.dequantize(bytes, 0, 256, back, 0);
            assertArrayEquals(new float[256], back, 0f, type.toString());
        }
    }

    static byte[] poisoned(int size) {
        byte[] bytes = new byte[size];
        java.util.Arrays.fill(bytes, (byte) 0x5A);
        return bytes;
    }
}
