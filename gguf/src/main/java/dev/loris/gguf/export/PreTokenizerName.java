package dev.loris.gguf.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.loris.gguf.GgufException;
import dev.loris.model.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The {@code tokenizer.ggml.pre} name llama.cpp needs to split text as the Hugging Face pre-tokenizer does.
 * First as llama.cpp's converter decides it: encode a fixed probe text (with special tokens, as
 * {@code tokenizer.encode} does) and look the SHA-256 of Python's {@code str(ids)} up among known
 * tokenizers; then, for tokenizer.json variants of the same families that add no BOS (so the hash differs),
 * by the split regex itself: Llama 3's digits in groups of three, Qwen2's single digits.
 */
final class PreTokenizerName {
    /** The probe text of llama.cpp's get_vocab_base_pre. */
    static final String PROBE = "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n\uD83D\uDE80 (normal) \uD83D\uDE36\u200D"
            + "\uD83C\uDF2B\uFE0F (multiple emojis concatenated) \u2705 \uD83E\uDD99\uD83E\uDD99 3 33 333 3333 33333 333333 "
            + "3333333 33333333 3.3 3..3 3...3 \u1780\u17B6\u1793\u17CB\u178F\u17C2\u1796\u17B7\u179F\u17C1\u179F\u17A2"
            + "\u17B6\u1785\uD83D\uDE01 ?\u6211\u60F3\u5728apple\u5DE5\u4F5C1314151\u5929\uFF5E ------======= "
            + "\u043D\u0435\u0449\u043E \u043D\u0430 \u0411\u044A\u043B\u0433\u0430\u0440\u0441\u043A\u0438 ''''''```````"
            + "\"\"\"\"......!!!!!!?????? I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like "
            + "some tea? We'Ve a'lL";

    /** Hashes llama.cpp knows for the families Loris exports (convert_hf_to_gguf.py). */
    private static final Map<String, String> KNOWN = Map.of(
            "0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5", "llama-bpe",
            "e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea", "qwen2",
            "d4540891389ea895b53b399da6ac824becc30f2fba0e9ddbb98f92e55ca0e97c", "qwen2",
            "63b97e4253352e6f357cc59ea5b583e3a680eaeaf2632188c2b952de2588485e", "tekken",
            "855059429035d75a914d1eda9f10a876752e281a054a7a3d421ef0533e5b6249", "smollm",
            "b3f499bb4255f8ca19fccd664443283318f2fd2414d5e0b040fbdd0cc195d6c5", "deepseek-r1-qwen");

    static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
            + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2_SPLIT = LLAMA3_SPLIT.replace("\\p{N}{1,3}", "\\p{N}");

    private PreTokenizerName() {
    }

    static String of(Tokenizer tokenizer, JsonNode tokenizerJson) {
        String hash = probeHash(tokenizer);
        String known = KNOWN.get(hash);
        if (known != null) {
            return known;
        }
        String splits = tokenizerJson.path("pre_tokenizer").toString();
        if (splits.contains(new TextNode(LLAMA3_SPLIT).toString())) {
            return "llama-bpe";
        }
        if (splits.contains(new TextNode(QWEN2_SPLIT).toString())) {
            return "qwen2";
        }
        throw new GgufException(tokenizer.source() + ": its pre-tokenizer is not one llama.cpp is known to "
                + "reproduce (probe hash " + hash + ")", "Loris exports the Llama 3, Qwen2/3, Mistral and SmolLM "
                + "tokenizers; llama.cpp would split this one's text differently from Hugging Face");
    }

    /** sha256 of Python's str() of the probe's ids, e.g. "[128000, 198, 4815]". */
    static String probeHash(Tokenizer tokenizer) {
        StringJoiner text = new StringJoiner(", ", "[", "]");
        for (int id : tokenizer.encode(PROBE, true)) {
            text.add(Integer.toString(id));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
