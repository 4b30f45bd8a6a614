package dev.loris.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model module's tiny qwen3 reference model with a byte-level BPE tokenizer (no merges: one token per byte)
 * and a small chat template, written to a folder: a complete model folder for CLI tests.
 */
public final class TinyByteLevelModel {
    private TinyByteLevelModel() {
    }

    public static Path write(Path model) throws IOException {
        Path source = null;
        for (String root : new String[] {"../model", "model"}) {
            Path folder = Path.of(root, "src/test/resources/hf-models/qwen3");
            if (Files.isDirectory(folder)) {
                source = folder;
            }
        }
        Files.createDirectories(model);
        for (String name : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(source.resolve(name), model.resolve(name));
        }
        StringBuilder vocab = new StringBuilder();
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
            int codePoint = printable ? b : next++;
            String token = new String(Character.toChars(codePoint)).replace("\\", "\\\\").replace("\"", "\\\"");
            vocab.append(b == 0 ? "" : ", ").append('"').append(token).append("\": ").append(b);
        }
        String split = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+"
                + "[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+";
        Files.writeString(model.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null,"
                + " \"added_tokens\": [{\"id\": 256, \"content\": \"<|im_end|>\", \"single_word\": false, \"lstrip\": false,"
                + " \"rstrip\": false, \"normalized\": false, \"special\": true}], \"normalizer\": null,"
                + " \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \""
                + split + "\"}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false,"
                + " \"trim_offsets\": false, \"use_regex\": false}]}, \"post_processor\": null, \"decoder\": {\"type\": \"ByteLevel\","
                + " \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false}, \"model\": {\"type\": \"BPE\","
                + " \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": \"\", \"end_of_word_suffix\": \"\","
                + " \"fuse_unk\": false, \"byte_fallback\": false, \"ignore_merges\": false, \"vocab\": {" + vocab + "},"
                + " \"merges\": []}}");
        Files.writeString(model.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\", \"chat_template\":"
                + " \"{% for m in messages %}{{ '<|im_end|>' + m['role'] + ': ' + m['content'] }}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|im_end|>assistant: ' }}{% endif %}\"}");
        return model;
    }
}
