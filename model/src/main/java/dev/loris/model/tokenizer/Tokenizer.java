package dev.loris.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.loris.model.SmallTextFile;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer as transformers' fast tokenizer uses it: tokenizer.json run by the
 * tokenizers library itself (through DJL's native binding), plus what transformers layers on top from
 * tokenizer_config.json: the post-processor rule for add_bos_token / add_eos_token and the pipeline
 * LlamaTokenizer rebuilds ({@link TransformersPipeline}), the named special tokens,
 * clean_up_tokenization_spaces on decode, and the chat template.
 *
 * <p>DJL's own conveniences are switched off because transformers does not have them: its default
 * truncation (to 512 tokens) and padding, and its reading of tokenizer_config.json (which would prepend
 * spaces, lower-case or strip accents on the Java side): the tokenizer is built from the JSON text with
 * explicit options, never from a folder. The native library loads from the jar without network access
 * ({@link DjlNatives}).
 *
 * <p>Emulated for LlamaTokenizer only: transformers 5 classes with their own __init__ rebuild the
 * pipeline from vocabulary and merges instead of using tokenizer.json as is. Gemma's and Qwen2's rebuild
 * what their files hold; other classes (T5, ...) are used as tokenizer.json says, which the fixture test
 * against transformers would expose.
 *
 * <p>Thread-safe: encoding and decoding do not mutate the native tokenizer. Close it to free native memory.
 */
public final class Tokenizer implements AutoCloseable {
    /** Options that turn DJL's defaults (truncate and pad to 512) off; special tokens are chosen per call. */
    private static final Map<String, String> DJL_OPTIONS =
            Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");

    /** The largest tokenizer.json read (Gemma 3's, the largest released, is 33 MB). */
    static final long MAX_FILE_BYTES = 256L << 20;

    private final HuggingFaceTokenizer backend;
    private final Vocabulary vocabulary;
    private final TokenizerConfig config;
    private final boolean cleanUpOnDecode;
    private final String source;

    private Tokenizer(HuggingFaceTokenizer backend, Vocabulary vocabulary, TokenizerConfig config,
                      boolean cleanUpOnDecode, String source) {
        this.backend = backend;
        this.vocabulary = vocabulary;
        this.config = config;
        this.cleanUpOnDecode = cleanUpOnDecode;
        this.source = source;
    }

    /** Loads tokenizer.json (required), tokenizer_config.json and chat_template.jinja (optional) from a model folder. */
    public static Tokenizer load(Path folder) {
        Path file = folder.resolve("tokenizer.json");
        String json = SmallTextFile.readIfExists(file, MAX_FILE_BYTES,
                (problem, hint, cause) -> new TokenizerException(file + " " + problem, hint, cause));
        if (json == null) {
            throw new TokenizerException(file + " does not exist", "Loris needs the fast tokenizer file "
                    + "tokenizer.json; save the tokenizer with a recent transformers (tokenizer.save_pretrained)");
        }
        return fromJson(json, TokenizerConfig.read(folder), file.toString());
    }

    /** Builds a tokenizer from the text of tokenizer.json; {@code source} names it in messages. */
    public static Tokenizer fromJson(String tokenizerJson, TokenizerConfig config, String source) {
        TokenizerJson parsed = TokenizerJson.parse(tokenizerJson, source);
        Vocabulary vocabulary = new Vocabulary(parsed);
        NativeGuards.check(tokenizerJson, parsed, vocabulary, source);
        String effective = TransformersPipeline.apply(tokenizerJson, parsed, config, vocabulary);
        DjlNatives.configureOffline();
        HuggingFaceTokenizer backend;
        try {
            backend = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(effective.getBytes(StandardCharsets.UTF_8)), DJL_OPTIONS);
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            throw new TokenizerException("the tokenizers library could not load " + source + ": " + e.getMessage(),
                    "if the native library failed to load, set DJL_CACHE_DIR to a writable folder, or "
                            + "RUST_LIBRARY_PATH to a libtokenizers built for this platform", e);
        }
        boolean cleanUp = config.cleanUpTokenizationSpaces() && !"BPE".equals(parsed.modelType());
        return new Tokenizer(backend, vocabulary, config, cleanUp, source);
    }

    /**
     * The ids of {@code text}, as {@code tokenizer(text, add_special_tokens=...)["input_ids"]}: special tokens
     * written in the text are matched as single tokens; {@code addSpecialTokens} adds what the
     * post-processor adds (Llama 3: BOS; Qwen: nothing). Never truncates or pads.
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids;
        try {
            ids = backend.encode(text, addSpecialTokens, false).getIds();
        } catch (RuntimeException e) {
            throw nativeFailure("encode", e);
        }
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= TokenizerJson.MAX_ID) {
                throw new TokenizerException(source + " gave token id " + ids[i] + ", outside [0, " + TokenizerJson.MAX_ID
                        + ")", "the tokenizer.json is damaged; download it again");
            }
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** The text of {@code ids}, as {@code tokenizer.decode(ids, skip_special_tokens=...)}. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        String text;
        try {
            text = backend.decode(wide, skipSpecialTokens);
        } catch (RuntimeException e) {
            throw nativeFailure("decode", e);
        }
        return cleanUpOnDecode ? cleanUpTokenizationSpaces(text) : text;
    }

    /** An error the native library reported (it reports some bad files only when used). */
    private TokenizerException nativeFailure(String what, RuntimeException e) {
        return new TokenizerException("the tokenizers library could not " + what + " with " + source + ": "
                + e.getMessage(), "the tokenizer.json may be damaged; download it again", e);
    }

    /**
     * transformers' clean_up_tokenization: removes the space WordPiece-era decoders leave before
     * punctuation and English contractions. Applied only when tokenizer_config.json asks for it and the
     * model is not BPE (transformers 5 skips it for BPE, where it would delete real spaces).
     */
    static String cleanUpTokenizationSpaces(String text) {
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** The id of a token string (added tokens included), as {@code convert_tokens_to_ids}. */
    public OptionalInt tokenToId(String token) {
        return vocabulary.tokenToId(token);
    }

    /** The token string of an id ("Ġhello" for byte-level BPE), as {@code convert_ids_to_tokens}. */
    public Optional<String> idToToken(int id) {
        return vocabulary.idToToken(id);
    }

    /** Whether the id is an added token marked special (what skip_special_tokens removes). */
    public boolean isSpecial(int id) {
        return vocabulary.isSpecial(id);
    }

    /**
     * Tokens known, added tokens included ({@code len(tokenizer)}). The model's embedding may have more
     * rows (config.json vocab_size; Qwen pads to 151936).
     */
    public int vocabSize() {
        return vocabulary.size();
    }

    /** The named special tokens and chat templates of tokenizer_config.json. */
    public TokenizerConfig config() {
        return config;
    }

    /** A named special token's text ("bos_token", "eos_token", "pad_token", "unk_token", ...). */
    public Optional<String> specialToken(String name) {
        return config.specialToken(name);
    }

    /** A named special token's id, when it is set and in the vocabulary. */
    public OptionalInt specialTokenId(String name) {
        return config.specialToken(name).map(vocabulary::tokenToId).orElse(OptionalInt.empty());
    }

    /** The chat template apply_chat_template would use, with this tokenizer's special tokens bound. */
    public Optional<ChatTemplate> chatTemplate() {
        return config.defaultChatTemplate().map(template -> new ChatTemplate(template, config, source));
    }

    /** The added tokens of tokenizer.json in file order (for the pad-token choice). */
    java.util.List<TokenizerJson.AddedToken> addedTokens() {
        return vocabulary.addedTokens();
    }

    /** Where the tokenizer came from, for messages. */
    public String source() {
        return source;
    }

    @Override
    public void close() {
        backend.close();
    }
}
