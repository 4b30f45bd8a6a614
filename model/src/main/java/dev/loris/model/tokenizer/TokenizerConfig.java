package dev.loris.model.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.loris.model.SmallTextFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of tokenizer_config.json (and chat_template.jinja) that change what transformers does:
 * the named special tokens, add_bos_token / add_eos_token, clean_up_tokenization_spaces and the chat
 * templates. A missing tokenizer_config.json reads as an empty one, as in transformers.
 *
 * <p>Special tokens are strings or AddedToken objects ({@code {"__type": "AddedToken", "content": ...}});
 * both read as their content. {@code chat_template} is a string (named "default") or a list of
 * {name, template}; a chat_template.jinja file next to it replaces the default one, as transformers
 * does when loading a folder saved by recent versions.
 *
 * @param specialTokens   named tokens that are set: bos_token, eos_token, unk_token, sep_token, pad_token,
 *                        cls_token, mask_token, in that order
 * @param extraSpecialTokens additional_special_tokens (a list) and extra_special_tokens (a list or a map of
 *                        name → token, as Gemma 3 writes image tokens), contents only
 * @param namedExtraTokens the map form of extra_special_tokens, which transformers exposes as attributes
 * @param addBosToken     null when the key is absent (transformers then keeps tokenizer.json's post-processor),
 *                        false when it is written as null
 * @param addEosToken     likewise
 * @param legacy          LlamaTokenizer's legacy flag (null when absent; transformers then means false)
 * @param addPrefixSpace  add_prefix_space (null when absent)
 * @param chatTemplates   name → Jinja source; "default" is what apply_chat_template uses
 */
public record TokenizerConfig(
        Map<String, String> specialTokens,
        List<String> extraSpecialTokens,
        Map<String, String> namedExtraTokens,
        Boolean addBosToken,
        Boolean addEosToken,
        boolean cleanUpTokenizationSpaces,
        String tokenizerClass,
        Boolean legacy,
        Boolean addPrefixSpace,
        Map<String, String> chatTemplates) {

    /** The special-token attributes transformers knows by name, in its order. */
    public static final List<String> NAMED_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The largest tokenizer_config.json or chat_template.jinja read (real ones are at most a few MB). */
    static final long MAX_FILE_BYTES = 64L << 20;

    public TokenizerConfig {
        specialTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        extraSpecialTokens = List.copyOf(extraSpecialTokens);
        namedExtraTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(namedExtraTokens));
        chatTemplates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(chatTemplates));
    }

    /** A named special token's content ("eos_token" → "<|im_end|>"), when set. */
    public Optional<String> specialToken(String name) {
        return Optional.ofNullable(specialTokens.get(name));
    }

    /** The template apply_chat_template uses by default, when the tokenizer has one. */
    public Optional<String> defaultChatTemplate() {
        return Optional.ofNullable(chatTemplates.get("default"));
    }

    /** Reads tokenizer_config.json and chat_template.jinja from a model folder (either may be absent). */
    public static TokenizerConfig read(Path folder) {
        Path file = folder.resolve("tokenizer_config.json");
        String json = SmallTextFile.readIfExists(file, MAX_FILE_BYTES,
                (problem, hint, cause) -> new TokenizerException(file + " " + problem, hint, cause));
        Path template = folder.resolve("chat_template.jinja");
        String jinja = SmallTextFile.readIfExists(template, MAX_FILE_BYTES,
                (problem, hint, cause) -> new TokenizerException(template + " " + problem, hint, cause));
        return parse(json, jinja, file.toString());
    }

    /**
     * Parses the text of tokenizer_config.json (null: absent) and of chat_template.jinja (null: absent);
     * {@code source} names the file in error messages.
     */
    public static TokenizerConfig parse(String json, String chatTemplateJinja, String source) {
        JsonNode root = json == null ? JSON.createObjectNode() : readTree(json, source);
        Map<String, String> named = new LinkedHashMap<>();
        for (String name : NAMED_TOKENS) {
            String content = tokenContent(root.get(name), name, source);
            if (content != null) {
                named.put(name, content);
            }
        }
        List<String> extra = new ArrayList<>(tokenList(root.get("additional_special_tokens"), source));
        Map<String, String> namedExtra = new LinkedHashMap<>();
        JsonNode extraNode = root.get("extra_special_tokens");
        if (extraNode != null && extraNode.isObject()) {
            extraNode.properties().forEach(e -> {
                String content = tokenContent(e.getValue(), "extra_special_tokens." + e.getKey(), source);
                if (content != null) {
                    namedExtra.put(e.getKey(), content);
                    extra.add(content);
                }
            });
        } else {
            extra.addAll(tokenList(extraNode, source));
        }
        Map<String, String> templates = chatTemplates(root.get("chat_template"), source);
        if (chatTemplateJinja != null) {
            templates.put("default", chatTemplateJinja);
        }
        return new TokenizerConfig(named, extra, namedExtra, optionalBoolean(root, "add_bos_token", source),
                optionalBoolean(root, "add_eos_token", source),
                Boolean.TRUE.equals(optionalBoolean(root, "clean_up_tokenization_spaces", source)),
                root.path("tokenizer_class").isTextual() ? root.get("tokenizer_class").textValue() : null,
                optionalBoolean(root, "legacy", source), optionalBoolean(root, "add_prefix_space", source),
                templates);
    }

    private static JsonNode readTree(String json, String source) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !root.isObject()) {
                throw new TokenizerException(source + " does not hold a JSON object", "re-download the file");
            }
            return root;
        } catch (JacksonException e) {
            throw new TokenizerException(source + " is not valid JSON: " + e.getOriginalMessage(),
                    "re-download the file; it may be truncated", e);
        }
    }

    /** A token written as a string or as an AddedToken object; null when absent or null. */
    private static String tokenContent(JsonNode node, String key, String source) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").textValue();
        }
        throw new TokenizerException(source + ": " + key + " must be a string or an AddedToken object with a "
                + "content, found " + node, "fix the value in tokenizer_config.json");
    }

    private static List<String> tokenList(JsonNode node, String source) {
        List<String> tokens = new ArrayList<>();
        if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String content = tokenContent(node.get(i), "additional_special_tokens[" + i + "]", source);
                if (content != null) {
                    tokens.add(content);
                }
            }
        }
        return tokens;
    }

    private static Map<String, String> chatTemplates(JsonNode node, String source) {
        Map<String, String> templates = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return templates;
        }
        if (node.isTextual()) {
            templates.put("default", node.textValue());
            return templates;
        }
        if (!node.isArray()) {
            throw new TokenizerException(source + ": chat_template must be a string or a list of {name, template}",
                    "fix chat_template in tokenizer_config.json");
        }
        for (JsonNode entry : node) {
            if (!entry.path("name").isTextual() || !entry.path("template").isTextual()) {
                throw new TokenizerException(source + ": each chat_template entry needs a name and a template",
                        "fix chat_template in tokenizer_config.json");
            }
            templates.put(entry.get("name").textValue(), entry.get("template").textValue());
        }
        return templates;
    }

    private static Boolean optionalBoolean(JsonNode root, String key, String source) {
        JsonNode node = root.get(key);
        if (node == null) {
            return null;
        }
        if (node.isNull()) {
            return false; // present but None: transformers tests the key's presence, then its truthiness
        }
        if (!node.isBoolean()) {
            throw new TokenizerException(source + ": " + key + " must be true or false, found " + node,
                    "fix the value in tokenizer_config.json");
        }
        return node.booleanValue();
    }
}
