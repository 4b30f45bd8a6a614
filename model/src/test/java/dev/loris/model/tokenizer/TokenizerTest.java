package dev.loris.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loris.model.TestResources;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.text.Normalizer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real tokenizers without recorded fixtures: ids known from the model families (special tokens are
 * single ids, BOS where the post-processor adds it), DJL's truncation and padding off, lossless round trips
 * of random text (seed printed on failure), and the offline switch of the native library.
 */
class TokenizerTest {

    @Test
    void llama3KnownIdsAndSingleIdSpecialTokens() {
        Tokenizer t = RealTokenizers.get("llama3");
        assertArrayEquals(new int[]{9906, 1917}, t.encode("Hello world", false));
        assertArrayEquals(new int[]{128000}, t.encode("<|begin_of_text|>", false));
        assertArrayEquals(new int[]{128006, 882, 128007}, t.encode("<|start_header_id|>user<|end_header_id|>", false));
        assertArrayEquals(new int[]{128009}, t.encode("<|eot_id|>", false));
        assertEquals(128256, t.vocabSize());
        assertEquals("Ġworld", t.idToToken(1917).orElseThrow());
        assertTrue(t.isSpecial(128000));
        assertFalse(t.isSpecial(1917));
        assertArrayEquals(new int[]{9906, 1917}, t.encode("Hello world", true),
                "this tokenizer.json's post-processor is ByteLevel only and its config has no add_bos_token: "
                        + "transformers adds nothing either");
    }

    @Test
    void llama3PrependsBosWhenThePostProcessorOrTheConfigSaysSo() throws Exception {
        String json = Files.readString(TestResources.tokenizerFolder("llama3").resolve("tokenizer.json"));
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(json);
        root.set("post_processor", mapper.readTree("""
                {"type": "Sequence", "processors": [
                  {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
                  {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                   "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                            {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                   "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}}}]}
                """));
        TokenizerConfig config = RealTokenizers.get("llama3").config();
        try (Tokenizer meta = Tokenizer.fromJson(mapper.writeValueAsString(root), config, "meta-llama-3")) {
            assertArrayEquals(new int[]{128000, 9906, 1917}, meta.encode("Hello world", true));
            assertArrayEquals(new int[]{9906, 1917}, meta.encode("Hello world", false));
            assertEquals("Hello world", meta.decode(meta.encode("Hello world", true), true));
            assertEquals("<|begin_of_text|>Hello world", meta.decode(meta.encode("Hello world", true), false));
        }
        TokenizerConfig withBos = TokenizerConfig.parse(
                "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": \"<|end_of_text|>\", \"add_bos_token\": true}",
                null, "test");
        try (Tokenizer configured = Tokenizer.fromJson(json, withBos, "llama3+add_bos_token")) {
            assertArrayEquals(new int[]{128000, 9906, 1917}, configured.encode("Hello world", true));
        }
    }

    @Test
    void qwen3NeverAddsBosAndNormalisesToNfc() {
        Tokenizer t = RealTokenizers.get("qwen3");
        assertArrayEquals(new int[]{9707, 1879}, t.encode("Hello world", true));
        assertArrayEquals(new int[]{151644}, t.encode("<|im_start|>", false));
        assertArrayEquals(new int[]{151645}, t.encode("<|im_end|>", false));
        assertEquals(151645, t.specialTokenId("eos_token").orElseThrow());
        assertArrayEquals(t.encode("caf\u00e9", false), t.encode("cafe\u0301", false));
        assertEquals(151669, t.vocabSize(), "the embedding has 151936 rows; the tokenizer knows fewer tokens");
    }

    @Test
    void gemma3AndLlama2PrependBosFromTheirPostProcessor() {
        Tokenizer gemma = RealTokenizers.get("gemma3");
        int[] withBos = gemma.encode("Hello world", true);
        assertEquals(2, withBos[0]);
        assertArrayEquals(gemma.encode("Hello world", false), java.util.Arrays.copyOfRange(withBos, 1, withBos.length));
        assertArrayEquals(new int[]{105}, gemma.encode("<start_of_turn>", false));
        assertEquals(106, gemma.specialTokenId("eos_token").orElseThrow());

        Tokenizer llama2 = RealTokenizers.get("llama2");
        assertArrayEquals(new int[]{1, 22557, 1526}, llama2.encode("Hello world", true));
        assertArrayEquals(new int[]{22557, 1526}, llama2.encode(" Hello world", false),
                "transformers 5's LlamaTokenizer: a leading space becomes the word's own ▁, no extra token");
        assertEquals("Hello world", llama2.decode(new int[]{1, 22557, 1526}, true));
    }

    @Test
    void neitherTruncatesNorPads() {
        Tokenizer t = RealTokenizers.get("llama3");
        String longText = String.join(" ", java.util.Collections.nCopies(3000, "word"));
        assertEquals(3000, t.encode(longText, false).length, "DJL would cut this at 512 tokens by default");
        assertEquals(1, t.encode("a", false).length, "DJL pads to the longest in a batch by default");
        assertEquals(0, t.encode("", true).length);
    }

    @Test
    void byteLevelTokenizersRoundTripRandomText() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Tokenizer llama3 = RealTokenizers.get("llama3");
        Tokenizer qwen3 = RealTokenizers.get("qwen3");
        for (int trial = 0; trial < 300; trial++) {
            String text = randomText(random);
            assertEquals(text, llama3.decode(llama3.encode(text, false), false), "seed " + seed);
            String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
            assertEquals(nfc, qwen3.decode(qwen3.encode(text, false), false), "seed " + seed);
        }
    }

    @Test
    void loadingTurnsDjlOfflineUnlessTheUserChose() {
        RealTokenizers.get("llama2");
        if (System.getenv("DJL_OFFLINE") == null) {
            assertEquals("true", System.getProperty("ai.djl.offline"),
                    "DJL must not download a CUDA build of libtokenizers or call home");
        }
    }

    private static String randomText(Random random) {
        int[][] ranges = {{0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0x24F}, {0x400, 0x4FF}, {0x4E00, 0x9FFF},
                {0x3040, 0x30FF}, {0x1F300, 0x1FAFF}, {0x0600, 0x06FF}, {0x0300, 0x036F}};
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(60);
        for (int i = 0; i < length; i++) {
            int[] range = ranges[random.nextInt(ranges.length)];
            text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
        }
        return text.toString();
    }
}
