package dev.loris.model.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What Loris needs from tokenizer.json beyond what the native tokenizer exposes: the model type, the
 * model vocabulary, the added tokens, and where the pipeline stages (normalizer, pre_tokenizer,
 * post_processor, decoder) sit in the text, so that {@link TransformersPipeline} can replace them. One
 * streaming pass; merges and the stages' contents are skipped, which keeps a 33 MB Gemma 3 file cheap.
 *
 * <p>Vocabularies come as a map token → id (BPE, WordPiece, WordLevel) or, for Unigram, a list of
 * [piece, score] pairs where the id is the position.
 *
 * @param modelType   "BPE", "Unigram", "WordPiece", "WordLevel" (null in very old files)
 * @param vocab       model vocabulary, token → id
 * @param addedTokens added_tokens in file order
 * @param stages      where each top-level pipeline stage's value lies in the text, by key
 * @param unkToken    model.unk_token (BPE, WordPiece, WordLevel), or null
 * @param unkId       model.unk_id (Unigram), or null
 *
 * <p>Ids are checked to lie in [0, {@link #MAX_ID}): the native library takes any u32, and Loris indexes
 * by id, so a hostile id (negative, 2^31 - 1, 2^32 - 1) would otherwise surface as an internal error.
 */
record TokenizerJson(String modelType, Map<String, Integer> vocab, List<AddedToken> addedTokens,
                     Map<String, Span> stages, String unkToken, Integer unkId) {

    /** Ids above every released vocabulary (262,144 at most) by far; config.json's vocab_size has the same bound. */
    static final int MAX_ID = 1 << 24;

    /** The pipeline stages whose position is recorded. */
    static final java.util.Set<String> STAGES = java.util.Set.of("normalizer", "pre_tokenizer", "post_processor", "decoder");

    /** One entry of added_tokens. */
    record AddedToken(int id, String content, boolean special) {
    }

    /** A JSON value's place in the text: [start, end) in chars; {@code isNull} for a JSON null. */
    record Span(int start, int end, boolean isNull) {
    }

    /** The stage's span, or null when the key is absent. */
    Span stage(String key) {
        return stages.get(key);
    }

    private static final JsonFactory FACTORY = new JsonFactory();

    static TokenizerJson parse(String json, String source) {
        try (JsonParser p = FACTORY.createParser(json)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, source, "does not hold a JSON object");
            Builder b = new Builder();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "model" -> readModel(p, b, source);
                    case "added_tokens" -> readAddedTokens(p, b, source);
                    default -> {
                        int start = (int) p.currentTokenLocation().getCharOffset();
                        boolean isNull = p.currentToken() == JsonToken.VALUE_NULL;
                        p.skipChildren();
                        if (STAGES.contains(field)) {
                            b.stages.put(field, new Span(start, (int) p.currentLocation().getCharOffset(), isNull));
                        }
                    }
                }
            }
            expect(b.vocab != null, source, "has no model.vocab");
            return new TokenizerJson(b.modelType, Map.copyOf(b.vocab), List.copyOf(b.added), Map.copyOf(b.stages),
                    b.unkToken, b.unkId);
        } catch (JacksonException e) {
            throw new TokenizerException(source + " is not valid JSON: " + e.getOriginalMessage(),
                    "re-download tokenizer.json; it may be truncated", e);
        } catch (IOException e) {
            throw new TokenizerException("cannot parse " + source + ": " + e.getMessage(), "re-download the file", e);
        }
    }

    private static void readModel(JsonParser p, Builder b, String source) throws IOException {
        expect(p.currentToken() == JsonToken.START_OBJECT, source, "model is not an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("type")) {
                b.modelType = p.getValueAsString();
            } else if (field.equals("unk_token") && p.currentToken() == JsonToken.VALUE_STRING) {
                b.unkToken = p.getText();
            } else if (field.equals("unk_id") && p.currentToken() != JsonToken.VALUE_NULL) {
                b.unkId = readId(p, source, "model.unk_id");
            } else if (field.equals("vocab")) {
                b.vocab = p.currentToken() == JsonToken.START_ARRAY ? readUnigramVocab(p, source) : readMapVocab(p, source);
            } else {
                p.skipChildren();
            }
        }
    }

    private static Map<String, Integer> readMapVocab(JsonParser p, String source) throws IOException {
        expect(p.currentToken() == JsonToken.START_OBJECT, source, "model.vocab is neither a map nor a list");
        Map<String, Integer> vocab = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            p.nextToken();
            vocab.put(token, readId(p, source, "model.vocab[\"" + token + "\"]"));
        }
        return vocab;
    }

    private static Map<String, Integer> readUnigramVocab(JsonParser p, String source) throws IOException {
        Map<String, Integer> vocab = new HashMap<>();
        int id = 0;
        while (p.nextToken() == JsonToken.START_ARRAY) {
            expect(p.nextToken() == JsonToken.VALUE_STRING, source, "model.vocab[" + id + "] has no piece");
            expect(id < MAX_ID, source, "model.vocab has more than " + MAX_ID + " pieces");
            vocab.putIfAbsent(p.getText(), id);
            while (p.nextToken() != JsonToken.END_ARRAY) {
                p.skipChildren();
            }
            id++;
        }
        return vocab;
    }

    private static void readAddedTokens(JsonParser p, Builder b, String source) throws IOException {
        expect(p.currentToken() == JsonToken.START_ARRAY, source, "added_tokens is not a list");
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Integer id = null;
            String content = null;
            boolean special = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "id" -> id = readId(p, source, "added_tokens[" + b.added.size() + "].id");
                    case "content" -> content = p.getText();
                    case "special" -> special = p.getBooleanValue();
                    default -> p.skipChildren();
                }
            }
            expect(id != null && content != null, source, "added_tokens[" + b.added.size() + "] lacks id or content");
            b.added.add(new AddedToken(id, content, special));
        }
    }

    /** A token id: an integer in [0, MAX_ID). */
    static int readId(JsonParser p, String source, String what) throws IOException {
        expect(p.currentToken() == JsonToken.VALUE_NUMBER_INT, source, what + " is not an id");
        java.math.BigInteger id = p.getBigIntegerValue();
        if (id.signum() < 0 || id.compareTo(java.math.BigInteger.valueOf(MAX_ID)) >= 0) {
            throw new TokenizerException(source + ": " + what + " = " + id + " is out of range: ids lie in [0, "
                    + MAX_ID + ")", "no released tokenizer comes near this; the file is damaged, download it again");
        }
        return id.intValue();
    }

    private static void expect(boolean condition, String source, String problem) {
        if (!condition) {
            throw new TokenizerException(source + " " + problem,
                    "this does not look like a Hugging Face tokenizer.json; re-download it");
        }
    }

    private static final class Builder {
        String modelType;
        String unkToken;
        Integer unkId;
        Map<String, Integer> vocab;
        final List<AddedToken> added = new ArrayList<>();
        final Map<String, Span> stages = new HashMap<>();
    }
}
