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
 * CPU by rope/record_rope_fixtures.py: bit for bit. A difference of one ulp would point at torch's SLEEF
 * powf rounding differently from the correctly rounded pow used here.
 */
class RopeFixtureTest {
    private static final String FIXTURE = "/rope/rope_fixtures.json.gz";

    @Test
    void inverseFrequenciesEqualTransformersBitForBit() throws Exception {
        JsonNode root = new ObjectMapper().readTree(
                TestResources.fixtureOrSkip(FIXTURE, "/rope/record_rope_fixtures.py"));
        List<String> mismatches = new ArrayList<>();
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
                if (Float.floatToRawIntBits(ours[i]) != bits.get(i).asInt()) {
                    mismatches.add(name + "[" + i + "]: ours " + ours[i] + ", transformers " + expected + " ("
                            + (Float.floatToRawIntBits(ours[i]) - bits.get(i).asInt()) + " ulp)");
                }
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + compared + " values differ (torch "
                + root.get("torch_version").asText() + "): " + String.join("; ",
                mismatches.subList(0, Math.min(10, mismatches.size()))));
    }
}
