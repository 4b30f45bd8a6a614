package dev.loris.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.model.TestResources;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our RoPE inverse frequencies against transformers' rotary embedding buffers (inv_freq), recorded on the
 * CPU by rope/record_rope_fixtures.py. Tolerance: 1 ulp, and only because of one operation: torch
 * evaluates {@code base ** x} with SLEEF's vectorised powf (documented to 1 ulp), which is not always
 * the correctly rounded value we compute (recorded with torch 2.13 on AVX-512: 3 of 536 values, each in
 * a plain-RoPE case). Everything after the pow (reciprocals, the llama3 bands and blend) must then match
 * exactly, which the llama3 cases check: their pows happened to round correctly.
 */
class RopeFixtureTest {
    private static final String FIXTURE = "/rope/rope_fixtures.json.gz";

    @Test
    void inverseFrequenciesEqualTransformersWithinTorchsPowRounding() throws Exception {
        JsonNode root = new ObjectMapper().readTree(
                TestResources.fixtureOrSkip(FIXTURE, "/rope/record_rope_fixtures.py"));
        List<String> mismatches = new ArrayList<>();
        List<String> oneUlp = new ArrayList<>();
        int compared = 0;
        for (JsonNode c : root.get("cases")) {
            String name = c.get("name").asText();
            float[] ours = ModelConfigReader.parse(c.get("config").asText(), name + "/config.json")
                    .ropeInverseFrequencies();
            JsonNode bits = c.get("inv_freq_bits");
            assertEquals(bits.size(), ours.length, name);
            for (int i = 0; i < ours.length; i++) {
                float expected = Float.intBitsToFloat(bits.get(i).asInt());
                compared++;
                int ulps = Math.abs(Float.floatToRawIntBits(ours[i]) - bits.get(i).asInt());
                String line = name + "[" + i + "]: ours " + ours[i] + ", transformers " + expected;
                if (ulps > 1) {
                    mismatches.add(line + " (" + ulps + " ulp)");
                } else if (ulps == 1) {
                    oneUlp.add(line);
                }
            }
        }
        System.out.println("RoPE fixture: " + compared + " values, " + oneUlp.size() + " one ulp apart (torch's powf): "
                + oneUlp);
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + compared + " values differ by more than one ulp (torch "
                + root.get("torch_version").asText() + "): " + String.join("; ",
                mismatches.subList(0, Math.min(10, mismatches.size()))));
    }
}
