package dev.loris.model.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * Checks what the native tokenizers library takes on trust before it is given a tokenizer.json: a Rust panic
 * inside it aborts the whole JVM (exit 134), so the inputs known to make it panic are refused here with a
 * TokenizerException instead.
 *
 * <ul>
 *   <li>TemplateProcessing post-processors (also inside a Sequence): every SpecialToken the single and pair
 *       templates name must be in special_tokens, whose entries have as many ids as tokens, each id a token of
 *       the vocabulary (an id of 2^32 - 1 came back from encode);</li>
 *   <li>Precompiled normalizers (also inside a Sequence): the charsmap must be base64 holding a trie size
 *       that fits the blob (the layout spm_precompiled reads);</li>
 *   <li>the model's unk_token must be a token of the vocabulary, and a Unigram unk_id a piece's index.</li>
 * </ul>
 *
 * A guard, not a proof: a charsmap that is well formed but whose trie points anywhere could still make the
 * library fail; the remedy for that would be running it in another process.
 */
final class NativeGuards {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NativeGuards() {
    }

    static void check(String tokenizerJson, TokenizerJson parsed, Vocabulary vocabulary, String source) {
        checkUnknownToken(parsed, source);
        JsonNode normalizer = stage(tokenizerJson, parsed, "normalizer", source);
        if (normalizer != null) {
            walk(normalizer, "normalizer", "normalizers", (node, where) -> {
                if ("Precompiled".equals(node.path("type").asText())) {
                    checkCharsmap(node.get("precompiled_charsmap"), where, source);
                }
            });
        }
        JsonNode processor = stage(tokenizerJson, parsed, "post_processor", source);
        if (processor != null) {
            walk(processor, "post_processor", "processors", (node, where) -> {
                if ("TemplateProcessing".equals(node.path("type").asText())) {
                    checkTemplate(node, where, vocabulary, source);
                }
            });
        }
    }

    private interface Visitor {
        void visit(JsonNode node, String where);
    }

    /** Visits {@code node} and, for a Sequence, each of its parts (listed under {@code partsKey}), depth first. */
    private static void walk(JsonNode node, String where, String partsKey, Visitor visitor) {
        if (!node.isObject()) {
            return;
        }
        visitor.visit(node, where);
        JsonNode parts = node.get(partsKey);
        if (parts != null && parts.isArray()) {
            for (int i = 0; i < parts.size(); i++) {
                walk(parts.get(i), where + "." + partsKey + "[" + i + "]", partsKey, visitor);
            }
        }
    }

    private static JsonNode stage(String json, TokenizerJson parsed, String key, String source) {
        TokenizerJson.Span span = parsed.stage(key);
        if (span == null || span.isNull()) {
            return null;
        }
        try {
            return JSON.readTree(json.substring(span.start(), span.end()));
        } catch (JacksonException e) {
            throw refused(source, key + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static void checkUnknownToken(TokenizerJson parsed, String source) {
        if (parsed.unkToken() != null && !parsed.vocab().containsKey(parsed.unkToken())) {
            throw refused(source, "model.unk_token '" + parsed.unkToken() + "' is not in model.vocab");
        }
        if (parsed.unkId() != null && parsed.unkId() >= parsed.vocab().size()) {
            throw refused(source, "model.unk_id " + parsed.unkId() + " is beyond the " + parsed.vocab().size()
                    + " pieces of model.vocab");
        }
    }

    private static void checkCharsmap(JsonNode charsmap, String where, String source) {
        if (charsmap == null || !charsmap.isTextual()) {
            throw refused(source, where + ".precompiled_charsmap must be a base64 string");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(charsmap.textValue());
        } catch (IllegalArgumentException e) {
            throw refused(source, where + ".precompiled_charsmap is not base64: " + e.getMessage());
        }
        if (blob.length == 0) {
            return; // an empty charsmap normalises nothing
        }
        if (blob.length < 4) {
            throw refused(source, where + ".precompiled_charsmap holds " + blob.length + " bytes, too few for its trie size");
        }
        long trieBytes = Integer.toUnsignedLong(ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).getInt());
        if (trieBytes % 4 != 0 || trieBytes > blob.length - 4) {
            throw refused(source, where + ".precompiled_charsmap gives a trie of " + trieBytes + " bytes in a blob of "
                    + blob.length);
        }
    }

    private static void checkTemplate(JsonNode template, String where, Vocabulary vocabulary, String source) {
        JsonNode special = template.path("special_tokens");
        if (!special.isObject() && !special.isMissingNode()) {
            throw refused(source, where + ".special_tokens must be an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = special.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode ids = entry.getValue().path("ids");
            JsonNode tokens = entry.getValue().path("tokens");
            if (!ids.isArray() || !tokens.isArray() || ids.size() != tokens.size()) {
                throw refused(source, where + ".special_tokens['" + entry.getKey() + "'] needs lists ids and tokens "
                        + "of the same length");
            }
            for (JsonNode id : ids) {
                if (!id.isIntegralNumber() || !id.canConvertToLong() || !vocabulary.hasId(id.longValue())) {
                    throw refused(source, where + ".special_tokens['" + entry.getKey() + "'] has id " + id
                            + ", which is no token of the vocabulary");
                }
            }
        }
        for (String list : new String[] {"single", "pair"}) {
            for (JsonNode piece : template.path(list)) {
                JsonNode token = piece.path("SpecialToken");
                if (token.isObject() && !special.has(token.path("id").asText())) {
                    throw refused(source, where + "." + list + " names special token '" + token.path("id").asText()
                            + "', which is not in its special_tokens");
                }
            }
        }
    }

    private static TokenizerException refused(String source, String problem) {
        return new TokenizerException(source + ": " + problem, "the native tokenizer library cannot use this "
                + "tokenizer.json; download it again or save it anew with transformers");
    }
}
