package dev.loris.model.tokenizer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: tokenizer.json files that made the native tokenizers library panic (which aborts the JVM) or made
 * Loris fail with a raw RuntimeException or a huge allocation are refused with one TokenizerException naming
 * the file and what is wrong, before the native library sees them.
 */
class HostileTokenizerTest {
    private static final String VOCAB = "{\"<unk>\": 0, \"hello\": 1, \"world\": 2, \"[CLS]\": 3}";

    private static String tokenizer(String normalizer, String postProcessor, String vocab, String unk) {
        return "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": ["
                + "{\"id\": 3, \"content\": \"[CLS]\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false,"
                + " \"normalized\": false, \"special\": true}],"
                + " \"normalizer\": " + normalizer + ", \"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"},"
                + " \"post_processor\": " + postProcessor + ", \"decoder\": null,"
                + " \"model\": {\"type\": \"WordLevel\", \"vocab\": " + vocab + ", \"unk_token\": " + unk + "}}";
    }

    private static String template(String singleSpecial, String specialTokens) {
        return "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"" + singleSpecial
                + "\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], \"pair\": [{\"Sequence\":"
                + " {\"id\": \"A\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}],"
                + " \"special_tokens\": " + specialTokens + "}";
    }

    private static void assertRefused(String json, String... parts) {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromJson(json, TokenizerConfig.parse(null, null, "t"), "/m/tokenizer.json").close());
        String all = e.userMessage();
        assertTrue(all.contains("/m/tokenizer.json"), all);
        for (String part : parts) {
            assertTrue(all.contains(part), "'" + part + "' missing from: " + all);
        }
    }

    @Test
    void templateNamingAMissingSpecialTokenIsRefused() {
        String special = "{\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [3], \"tokens\": [\"[CLS]\"]}}";
        assertRefused(tokenizer("null", template("[BOS]", special), VOCAB, "\"<unk>\""), "[BOS]", "special_tokens");
        // also inside a Sequence of post-processors, as Llama 3 writes it
        assertRefused(tokenizer("null", "{\"type\": \"Sequence\", \"processors\": [{\"type\": \"ByteLevel\"}, "
                + template("[BOS]", special) + "]}", VOCAB, "\"<unk>\""), "[BOS]");
    }

    @Test
    void templateSpecialTokenIdsMustBeKnownIds() {
        for (String id : new String[] {"4294967295", "-1", "77"}) {
            String special = "{\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [" + id + "], \"tokens\": [\"[CLS]\"]}}";
            assertRefused(tokenizer("null", template("[CLS]", special), VOCAB, "\"<unk>\""), "[CLS]", id);
        }
        String mismatched = "{\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [3, 3], \"tokens\": [\"[CLS]\"]}}";
        assertRefused(tokenizer("null", template("[CLS]", mismatched), VOCAB, "\"<unk>\""), "[CLS]");
    }

    @Test
    void precompiledCharsmapMustBeWellFormed() {
        assertRefused(tokenizer("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"!!not base64!!\"}", "null",
                VOCAB, "\"<unk>\""), "precompiled_charsmap");
        assertRefused(tokenizer("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Precompiled\","
                + " \"precompiled_charsmap\": \"/////w==\"}]}", "null", VOCAB, "\"<unk>\""), "precompiled_charsmap");
    }

    @Test
    void vocabularyIdsOutOfRangeAreRefused() {
        for (String id : new String[] {"-1", "2147483647", "1000000000", "4294967296"}) {
            assertRefused(tokenizer("null", "null", "{\"<unk>\": 0, \"hello\": " + id + ", \"[CLS]\": 3}", "\"<unk>\""),
                    "hello", id);
        }
    }

    @Test
    void anUnknownTokenMissingFromTheVocabularyIsRefused() {
        assertRefused(tokenizer("null", "null", VOCAB, "\"<nope>\""), "unk_token", "<nope>");
    }
}
