package dev.loris.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The changes transformers 5 makes to tokenizer.json's pipeline when it loads a tokenizer, applied to the
 * JSON text before the native tokenizer is built, so that ids match {@code AutoTokenizer} and not only
 * the bare tokenizers library:
 *
 * <ul>
 *   <li><b>Post-processor</b> (TokenizersBackend.update_post_processor): when tokenizer_config.json writes
 *       add_bos_token or add_eos_token, or tokenizer.json has no post-processor, it becomes a
 *       TemplateProcessing "[BOS] $A [EOS]" from those flags and the bos/eos tokens.</li>
 *   <li><b>LlamaTokenizer</b> (tokenizer_class LlamaTokenizer or LlamaTokenizerFast, as Llama 2, Mistral 7B
 *       and many SentencePiece models declare): the class rebuilds the pipeline around tokenizer.json's
 *       vocabulary and merges: no normalizer, a Metaspace pre-tokenizer (prepend "always" when legacy,
 *       "first" otherwise, "never" without add_prefix_space), decoder Replace/ByteFallback/Fuse/Strip.
 *       tokenizer.json's legacy normalizer would instead give " Hello" an extra "▁" token.</li>
 * </ul>
 *
 * <p>Other classes with their own __init__ (GemmaTokenizer, Qwen2Tokenizer) rebuild the same pipeline
 * their tokenizer.json holds, so nothing changes for them; classes not listed here are used as written.
 */
final class TransformersPipeline {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> LLAMA_CLASSES = List.of("LlamaTokenizer", "LlamaTokenizerFast");

    private TransformersPipeline() {
    }

    /** The tokenizer.json text to build the native tokenizer from. */
    static String apply(String tokenizerJson, TokenizerJson parsed, TokenizerConfig config, Vocabulary vocabulary) {
        Map<String, String> replacements = new LinkedHashMap<>();
        if (config.tokenizerClass() != null && LLAMA_CLASSES.contains(config.tokenizerClass())
                && "BPE".equals(parsed.modelType())) {
            llamaPipeline(config, replacements);
        }
        boolean explicit = config.addBosToken() != null || config.addEosToken() != null;
        TokenizerJson.Span processor = parsed.stage("post_processor");
        if (explicit || processor == null || processor.isNull()) {
            replacements.put("post_processor", postProcessor(config, vocabulary).toString());
        }
        return splice(tokenizerJson, parsed, replacements);
    }

    private static void llamaPipeline(TokenizerConfig config, Map<String, String> replacements) {
        boolean addPrefixSpace = !Boolean.FALSE.equals(config.addPrefixSpace());
        String prepend = !addPrefixSpace ? "never" : Boolean.TRUE.equals(config.legacy()) ? "always" : "first";
        replacements.put("normalizer", "null");
        replacements.put("pre_tokenizer", JSON.createObjectNode().put("type", "Metaspace").put("replacement", "▁")
                .put("prepend_scheme", prepend).put("split", false).toString());
        ObjectNode decoder = JSON.createObjectNode().put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        decoders.addObject().put("type", "Replace").put("content", " ").putObject("pattern").put("String", "▁");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        if (addPrefixSpace) {
            decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        }
        replacements.put("decoder", decoder.toString());
    }

    private static ObjectNode postProcessor(TokenizerConfig config, Vocabulary vocabulary) {
        String bos = bosOrEos(config, "bos_token", config.addBosToken(), vocabulary);
        String eos = bosOrEos(config, "eos_token", config.addEosToken(), vocabulary);
        ObjectNode processor = JSON.createObjectNode().put("type", "TemplateProcessing");
        processor.set("single", sequence(bos, eos, "A", 0));
        ArrayNode pair = sequence(bos, eos, "A", 0);
        pair.addAll(sequence(bos, eos, "B", 1));
        processor.set("pair", pair);
        ObjectNode special = processor.putObject("special_tokens");
        for (String token : new String[]{bos, eos}) {
            if (token != null) {
                ObjectNode entry = special.putObject(token).put("id", token);
                entry.putArray("ids").add(vocabulary.tokenToId(token).orElseThrow());
                entry.putArray("tokens").add(token);
            }
        }
        return processor;
    }

    /** The token to add, or null when the flag is off or the token is not set or not in the vocabulary. */
    private static String bosOrEos(TokenizerConfig config, String name, Boolean flag, Vocabulary vocabulary) {
        if (!Boolean.TRUE.equals(flag)) {
            return null;
        }
        String token = config.specialTokens().get(name);
        return token != null && vocabulary.tokenToId(token).isPresent() ? token : null;
    }

    private static ArrayNode sequence(String bos, String eos, String sequenceId, int typeId) {
        ArrayNode items = JSON.createArrayNode();
        if (bos != null) {
            items.addObject().putObject("SpecialToken").put("id", bos).put("type_id", typeId);
        }
        items.addObject().putObject("Sequence").put("id", sequenceId).put("type_id", typeId);
        if (eos != null) {
            items.addObject().putObject("SpecialToken").put("id", eos).put("type_id", typeId);
        }
        return items;
    }

    /** Replaces the recorded stage values (or adds absent keys at the end of the top-level object). */
    private static String splice(String json, TokenizerJson parsed, Map<String, String> replacements) {
        if (replacements.isEmpty()) {
            return json;
        }
        record Edit(int start, int end, String text) {
        }
        List<Edit> edits = new ArrayList<>();
        StringBuilder added = new StringBuilder();
        replacements.forEach((key, value) -> {
            TokenizerJson.Span span = parsed.stage(key);
            if (span == null) {
                added.append(",\"").append(key).append("\":").append(value);
            } else {
                edits.add(new Edit(span.start(), span.end(), value));
            }
        });
        edits.sort(Comparator.comparingInt(Edit::start).reversed());
        StringBuilder out = new StringBuilder(json);
        for (Edit edit : edits) {
            out.replace(edit.start(), edit.end(), edit.text());
        }
        if (!added.isEmpty()) {
            out.insert(out.lastIndexOf("}"), added);
        }
        return out.toString();
    }
}
