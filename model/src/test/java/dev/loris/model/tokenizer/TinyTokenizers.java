package dev.loris.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Minimal word-level tokenizer.json files for rule tests: vocabulary "<unk>" 0, "hello" 1, "world" 2, then
 * the given special tokens from id 3 on (in the model vocabulary and in added_tokens, as real files have
 * them), whitespace pre-tokenizer, no post-processor.
 */
final class TinyTokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyTokenizers() {
    }

    static Tokenizer build(List<String> specialTokens, String tokenizerConfigJson) {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model").put("type", "WordLevel").put("unk_token", "<unk>");
        ObjectNode vocab = model.putObject("vocab").put("<unk>", 0).put("hello", 1).put("world", 2);
        for (int i = 0; i < specialTokens.size(); i++) {
            vocab.put(specialTokens.get(i), 3 + i);
            added.addObject().put("id", 3 + i).put("content", specialTokens.get(i)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        return Tokenizer.fromJson(root.toString(), TokenizerConfig.parse(tokenizerConfigJson, null, "tiny"), "tiny");
    }
}
