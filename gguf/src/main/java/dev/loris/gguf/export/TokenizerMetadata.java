package dev.loris.gguf.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.gguf.GgufException;
import dev.loris.gguf.GgufMetadata;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.model.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code tokenizer.*} keys of a GGUF, from a model folder's tokenizer.json, tokenizer_config.json and
 * config.json, as llama.cpp's converter writes them:
 * <ul>
 *   <li>byte-level BPE (Llama 3, Qwen2/3, anything without byte fallback): model {@code gpt2}, the
 *       pre-tokenizer name ({@link PreTokenizerName}), tokens by id up to config vocab_size ({@code [PADn]} for
 *       holes, type UNUSED), added tokens CONTROL when special or shaped {@code <|...|>} else USER_DEFINED,
 *       merges as "left right" (pairs joined, spaces inside a part written as U+0120);</li>
 *   <li>SentencePiece-style BPE with byte fallback (Llama 2, Mistral): model {@code llama}, pre
 *       {@code default}, scores that reproduce the merge order (a token made by merge rank r scores -r;
 *       llama.cpp's SPM tokenizer merges the highest score first), {@code <0xXX>} tokens BYTE, unk UNKNOWN;</li>
 *   <li>special ids from tokenizer_config's *_token looked up in added_tokens, then config.json's *_token_id;
 *       add_bos/add_eos as the tokenizer really does (encoding one character with special tokens); the
 *       default chat template.</li>
 * </ul>
 */
public final class TokenizerMetadata {
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;
    private static final List<String> SPECIAL_TYPES = List.of("bos", "eos", "unk", "sep", "pad", "cls", "mask");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerMetadata() {
    }

    /** Adds the tokenizer keys for the model in {@code folder}; a GgufException when it has no tokenizer.json. */
    public static void add(Path folder, ModelConfig config, GgufMetadata out) {
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new GgufException(folder + " has no tokenizer.json", "llama.cpp needs the vocabulary inside the "
                    + "GGUF: copy the base model's tokenizer.json (and tokenizer_config.json) into the folder");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new GgufException("cannot read " + file + ": " + e.getMessage(), "re-download tokenizer.json", e);
        }
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new GgufException(file + ": tokenizer model '" + model.path("type").asText() + "' is not exported",
                    "Loris writes BPE tokenizers (Llama, Mistral, Qwen); this model family is not supported");
        }
        try (Tokenizer tokenizer = Tokenizer.load(folder)) {
            Map<Integer, String> byId = new HashMap<>();
            model.path("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
            Map<Integer, JsonNode> added = new HashMap<>();
            for (JsonNode token : root.path("added_tokens")) {
                added.put(token.path("id").asInt(), token);
                byId.put(token.path("id").asInt(), token.path("content").asText());
            }
            int vocabSize = config.vocabSize();
            int largest = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
            if (largest >= vocabSize) {
                throw new GgufException(file + " has token id " + largest + " but config.json's vocab_size is "
                        + vocabSize, "the tokenizer does not belong to this model; use the base model's tokenizer files");
            }
            List<String> merges = merges(model.path("merges"), file);
            boolean byteFallback = model.path("byte_fallback").asBoolean(false);
            if (byteFallback) {
                addSentencePiece(root, byId, added, merges, tokenizer, vocabSize, out);
            } else {
                addByteLevel(byId, added, merges, tokenizer, vocabSize, root, out);
            }
            addSpecialIds(tokenizer.config(), root, folder, vocabSize, out);
            addBosEos(tokenizer, out);
            tokenizer.config().defaultChatTemplate().ifPresent(t -> out.putString("tokenizer.chat_template", t));
        }
    }

    private static void addByteLevel(Map<Integer, String> byId, Map<Integer, JsonNode> added, List<String> merges,
                                     Tokenizer tokenizer, int vocabSize, JsonNode root, GgufMetadata out) {
        List<String> tokens = new ArrayList<>(vocabSize);
        int[] types = new int[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            String text = byId.get(id);
            if (text == null) {
                tokens.add("[PAD" + id + "]");
                types[id] = UNUSED;
            } else if (added.containsKey(id)) {
                boolean special = added.get(id).path("special").asBoolean(false) || looksSpecial(text);
                types[id] = special ? CONTROL : USER_DEFINED;
                tokens.add(special ? text : text.replace('\u2581', ' '));
            } else {
                tokens.add(text);
                types[id] = NORMAL;
            }
        }
        out.putString("tokenizer.ggml.model", "gpt2");
        out.putString("tokenizer.ggml.pre", PreTokenizerName.of(tokenizer, root));
        out.putStrings("tokenizer.ggml.tokens", tokens);
        out.putInt32s("tokenizer.ggml.token_type", types);
        out.putStrings("tokenizer.ggml.merges", merges);
    }

    private static void addSentencePiece(JsonNode root, Map<Integer, String> byId, Map<Integer, JsonNode> added,
                                         List<String> merges, Tokenizer tokenizer, int vocabSize, GgufMetadata out) {
        Map<String, Integer> rankOfResult = new HashMap<>();
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ');
            rankOfResult.putIfAbsent(merge.substring(0, space) + merge.substring(space + 1), rank);
        }
        OptionalInt unk = tokenizer.specialTokenId("unk_token");
        List<String> tokens = new ArrayList<>(vocabSize);
        float[] scores = new float[vocabSize];
        int[] types = new int[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            String text = byId.get(id);
            if (text == null) {
                tokens.add("[PAD" + id + "]");
                scores[id] = -10000f;
                types[id] = UNUSED;
                continue;
            }
            tokens.add(text);
            Integer rank = rankOfResult.get(text);
            scores[id] = rank == null ? 0f : -rank;
            if (unk.isPresent() && unk.getAsInt() == id) {
                types[id] = UNKNOWN;
            } else if (text.matches("<0x[0-9A-Fa-f]{2}>")) {
                types[id] = BYTE;
            } else if (added.containsKey(id)) {
                types[id] = added.get(id).path("special").asBoolean(false) ? CONTROL : USER_DEFINED;
            } else {
                types[id] = NORMAL;
            }
        }
        out.putString("tokenizer.ggml.model", "llama");
        out.putString("tokenizer.ggml.pre", "default");
        out.putStrings("tokenizer.ggml.tokens", tokens);
        out.putFloat32s("tokenizer.ggml.scores", scores);
        out.putInt32s("tokenizer.ggml.token_type", types);
        out.putBool("tokenizer.ggml.add_space_prefix", prependsSpace(root));
    }

    /** Whether the SentencePiece pipeline puts "▁" before the text (legacy Prepend, or Metaspace first/always). */
    private static boolean prependsSpace(JsonNode root) {
        String text = root.path("normalizer").toString() + root.path("pre_tokenizer").toString();
        return text.contains("\"Prepend\"") || text.contains("\"prepend_scheme\":\"first\"")
                || text.contains("\"prepend_scheme\":\"always\"");
    }

    static boolean looksSpecial(String text) {
        return (text.startsWith("<|") && text.endsWith("|>")) || text.equals("<pad>") || text.equals("<mask>");
    }

    static List<String> merges(JsonNode node, Path file) {
        List<String> merges = new ArrayList<>(node.size());
        for (JsonNode merge : node) {
            if (merge.isTextual()) {
                merges.add(merge.asText());
            } else if (merge.isArray() && merge.size() == 2) {
                merges.add(merge.get(0).asText().replace(' ', '\u0120') + " " + merge.get(1).asText().replace(' ', '\u0120'));
            } else {
                throw new GgufException(file + ": model.merges holds " + merge, "re-save the tokenizer with transformers");
            }
        }
        return merges;
    }

    private static void addSpecialIds(TokenizerConfig tokenizerConfig, JsonNode root, Path folder, int vocabSize,
                                      GgufMetadata out) {
        JsonNode configJson;
        try {
            configJson = JSON.readTree(folder.resolve("config.json").toFile());
        } catch (IOException e) {
            configJson = JSON.createObjectNode();
        }
        for (String type : SPECIAL_TYPES) {
            Optional<String> content = tokenizerConfig.specialToken(type + "_token");
            Integer id = null;
            if (content.isPresent()) {
                for (JsonNode token : root.path("added_tokens")) {
                    if (token.path("content").asText().equals(content.get())) {
                        id = token.path("id").asInt();
                        break;
                    }
                }
            }
            JsonNode fromConfig = configJson.path(type + "_token_id");
            if (id == null && fromConfig.isIntegralNumber()) {
                id = fromConfig.asInt();
            }
            if (id != null && id >= 0 && id < vocabSize) {
                out.putUint32("tokenizer.ggml." + (type.equals("sep") ? "seperator" : type) + "_token_id", id);
            }
        }
    }

    private static void addBosEos(Tokenizer tokenizer, GgufMetadata out) {
        int[] plain = tokenizer.encode("a", false);
        int[] withSpecial = tokenizer.encode("a", true);
        OptionalInt bos = tokenizer.specialTokenId("bos_token");
        OptionalInt eos = tokenizer.specialTokenId("eos_token");
        boolean addsBos = withSpecial.length > plain.length && bos.isPresent() && withSpecial[0] == bos.getAsInt();
        boolean addsEos = withSpecial.length > plain.length && eos.isPresent()
                && withSpecial[withSpecial.length - 1] == eos.getAsInt();
        out.putBool("tokenizer.ggml.add_bos_token", addsBos);
        out.putBool("tokenizer.ggml.add_eos_token", addsEos);
    }
}
