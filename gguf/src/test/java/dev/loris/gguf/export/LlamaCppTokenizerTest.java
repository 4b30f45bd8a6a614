package dev.loris.gguf.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.gguf.NodeConsumers;
import dev.loris.gguf.RequiresNodeConsumers;
import dev.loris.gguf.TinyModel;
import dev.loris.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp's tokenizer, as the exported GGUF configures it (model, pre-tokenizer, tokens, types, merges or
 * scores), gives Loris' token ids (the Hugging Face tokenizer) on 300 strings of the model module's tokenizer
 * fixtures: English, code, numbers, whitespace runs, many scripts and emoji (Gemma 3's too). Strings that spell
 * special tokens (Gemma's {@code <start_of_image>}, {@code <end_of_turn>}, {@code <bos>}, {@code <pad>} among
 * them) are left out: llama.cpp is asked not to parse specials, Hugging Face always does. Two known differences of
 * llama.cpp itself, not of the export, are left out too and counted: it has no Unicode normalizer, so for
 * Qwen's NFC normalizer strings that NFC changes are skipped; and its SentencePiece tokenizer always
 * prepends "▁", where transformers' Metaspace does not when the text already starts with a space, so for the
 * Llama 2 tokenizer strings starting with a space are skipped.
 */
@RequiresNodeConsumers
class LlamaCppTokenizerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3", "llama2", "gemma3"})
    void llamaCppTokenizesAsWeDo(String tokenizerName) throws IOException {
        TinyModel model = switch (tokenizerName) {
            case "llama3" -> TinyModel.llama3();
            case "qwen3" -> TinyModel.qwen3();
            case "gemma3" -> TinyModel.gemma3();
            default -> TinyModel.mistral();
        };
        Path folder = model.withWidths(64, 128).write(dir, 3);
        Path gguf = dir.resolve("model.gguf");
        GgufExporter.export(folder, gguf, GgufExporter.Options.of(GgufFileType.Q8_0));
        List<String> all = texts(folder);
        List<String> texts = all.stream().filter(t -> switch (tokenizerName) {
            case "qwen3" -> java.text.Normalizer.isNormalized(t, java.text.Normalizer.Form.NFC);
            case "llama2" -> !t.startsWith(" ");
            default -> true;
        }).toList();
        JsonNode result = NodeConsumers.llama(Map.of("model", gguf.toString(), "tokenize", texts));
        int agree = 0;
        List<String> mismatches = new ArrayList<>();
        try (Tokenizer tokenizer = Tokenizer.load(folder)) {
            for (int i = 0; i < texts.size(); i++) {
                int[] ours = tokenizer.encode(texts.get(i), false);
                JsonNode theirs = result.path("tokens").get(i);
                int[] theirIds = new int[theirs.size()];
                for (int k = 0; k < theirIds.length; k++) {
                    theirIds[k] = theirs.get(k).asInt();
                }
                if (Arrays.equals(ours, theirIds)) {
                    agree++;
                } else if (mismatches.size() < 5) {
                    mismatches.add(new ObjectMapper().writeValueAsString(texts.get(i)) + ": ours "
                            + Arrays.toString(ours) + ", llama.cpp " + Arrays.toString(theirIds));
                }
            }
        }
        System.out.printf("%s: llama.cpp's token ids equal Loris' on %d of %d strings (%d of %d fixture strings "
                + "left out for llama.cpp's own differences)%n", tokenizerName, agree, texts.size(),
                all.size() - texts.size(), all.size());
        assertEquals(texts.size(), agree, tokenizerName + " mismatches, e.g.\n" + String.join("\n", mismatches));
    }

    private static List<String> texts(Path folder) throws IOException {
        String name = folder.getFileName().toString();
        String tokenizer = name.substring(name.indexOf('-') + 1);
        Path fixture = Path.of("..", "model", "src", "test", "resources", "tokenizers", tokenizer, "fixtures.json.gz");
        if (!Files.exists(fixture)) {
            fixture = Path.of("model", "src", "test", "resources", "tokenizers", tokenizer, "fixtures.json.gz");
        }
        JsonNode cases;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(fixture))) {
            cases = new ObjectMapper().readTree(in).path("cases");
        }
        List<String> texts = new ArrayList<>();
        int step = Math.max(1, cases.size() / 320);
        for (int i = 0; i < cases.size() && texts.size() < 300; i += step) {
            String text = cases.get(i).path("text").asText();
            if (!text.isEmpty() && !text.contains("<|") && !text.contains("<s>") && !text.contains("</s>")
                    && !text.contains("<unk>") && !text.matches("(?s).*<(start_of_|end_of_|bos>|eos>|pad>).*")) {
                texts.add(text);
            }
        }
        assertTrue(texts.size() >= 280, "only " + texts.size() + " fixture strings");
        return texts;
    }
}
