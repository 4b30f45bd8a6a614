package dev.loris.model.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tokenizer_config.json: the forms special tokens and chat templates come in, and what a missing key means. */
class TokenizerConfigTest {

    @Test
    void specialTokensAsStringsOrAddedTokenObjects() {
        TokenizerConfig c = TokenizerConfig.parse("""
                {"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "eos_token": "</s>", "pad_token": null, "unk_token": {"content": "<unk>"},
                 "additional_special_tokens": ["<a>", {"content": "<b>"}],
                 "extra_special_tokens": {"image_token": "<img>"},
                 "add_bos_token": true, "add_eos_token": null, "clean_up_tokenization_spaces": true,
                 "tokenizer_class": "LlamaTokenizer", "legacy": false}
                """, null, "t");
        assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>"), c.specialTokens());
        assertEquals(List.of("<a>", "<b>", "<img>"), c.extraSpecialTokens());
        assertEquals(Map.of("image_token", "<img>"), c.namedExtraTokens());
        assertEquals(Boolean.TRUE, c.addBosToken());
        assertEquals(Boolean.FALSE, c.addEosToken(), "written as null: present, and falsy in transformers");
        assertTrue(c.cleanUpTokenizationSpaces());
        assertEquals("LlamaTokenizer", c.tokenizerClass());
        assertEquals(Boolean.FALSE, c.legacy());
        assertNull(c.addPrefixSpace());
    }

    @Test
    void chatTemplateAsAListOfNamedTemplates() {
        TokenizerConfig c = TokenizerConfig.parse("""
                {"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]}
                """, null, "t");
        assertEquals("D", c.defaultChatTemplate().orElseThrow());
        assertEquals("T", c.chatTemplates().get("tool_use"));
    }

    @Test
    void aChatTemplateJinjaFileReplacesTheDefault(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"old\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "new\n");
        assertEquals("new\n", TokenizerConfig.read(dir).defaultChatTemplate().orElseThrow());
    }

    @Test
    void aMissingFileReadsAsEmptyAndBadValuesAreNamed(@TempDir Path dir) throws IOException {
        TokenizerConfig empty = TokenizerConfig.read(dir);
        assertTrue(empty.specialTokens().isEmpty());
        assertNull(empty.addBosToken());
        assertFalse(empty.defaultChatTemplate().isPresent());
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> TokenizerConfig.parse("{\"eos_token\": 7}", null, "/m/tokenizer_config.json"));
        assertTrue(e.getMessage().contains("/m/tokenizer_config.json: eos_token"), e.getMessage());
        assertThrows(TokenizerException.class, () -> TokenizerConfig.parse("{\"add_bos_token\": \"yes\"}", null, "t"));
        assertThrows(TokenizerException.class, () -> TokenizerConfig.parse("[1]", null, "t"));
    }

    @Test
    void aMissingTokenizerJsonIsNamed(@TempDir Path dir) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json does not exist"), e.getMessage());
    }
}
