package dev.loris.model;

import dev.loris.model.config.ModelConfigReader;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.tokenizer.ChatMessage;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.model.tokenizer.TokenizerConfig;
import dev.loris.testing.FuzzOutcome;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The parsers' fuzz ring (issue 16): mutations of real files (byte flips, deletions, insertions, truncation)
 * and generated chat templates, each parse ending in one of the outcome classes {@link FuzzOutcome} allows:
 * accepted, or one clean LorisException; never another exception, a hang or a crash. Fixed seeds; the number
 * of tries comes from -Dloris.fuzz.tries (small in CI, see the root pom).
 */
class ParserFuzzTest {
    private static final Path QWEN3 = Path.of("src/test/resources/hf-models/qwen3");
    private static final Path QWEN2 = Path.of("src/test/resources/hf-models/qwen2");
    private static final String TOKENIZER_JSON = "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null,"
            + " \"added_tokens\": [{\"id\": 3, \"content\": \"<s>\", \"single_word\": false, \"lstrip\": false,"
            + " \"rstrip\": false, \"normalized\": false, \"special\": true}], \"normalizer\": {\"type\": \"Sequence\","
            + " \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"},"
            + " \"content\": \"_\"}]}, \"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"}, \"post_processor\":"
            + " {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}},"
            + " {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], \"pair\": [{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}},"
            + " {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}], \"special_tokens\": {\"<s>\": {\"id\": \"<s>\","
            + " \"ids\": [3], \"tokens\": [\"<s>\"]}}}, \"decoder\": null, \"model\": {\"type\": \"WordLevel\","
            + " \"vocab\": {\"<unk>\": 0, \"hello\": 1, \"world\": 2, \"<s>\": 3}, \"unk_token\": \"<unk>\"}}";
    private static final String TOKENIZER_CONFIG = "{\"bos_token\": \"<s>\", \"eos_token\": {\"__type\": \"AddedToken\","
            + " \"content\": \"</s>\"}, \"add_bos_token\": true, \"chat_template\": [{\"name\": \"default\", \"template\":"
            + " \"{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}{% endfor %}\"}],"
            + " \"additional_special_tokens\": [\"<x>\"], \"clean_up_tokenization_spaces\": false}";

    @Provide
    Arbitrary<List<int[]>> edits() {
        return FuzzOutcome.edits();
    }

    private static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path written(String name, byte[] content) throws IOException {
        Path folder = Files.createTempDirectory("fuzz");
        folder.toFile().deleteOnExit();
        Path file = Files.write(folder.resolve(name), content);
        file.toFile().deleteOnExit();
        return file;
    }

    @Property(seed = "1601")
    void safetensorsFiles(@ForAll("edits") List<int[]> edits) throws IOException {
        Path file = written("model.safetensors", FuzzOutcome.mutate(bytes(QWEN3.resolve("model.safetensors")), edits));
        FuzzOutcome.accepts("safetensors" + FuzzOutcome.describe(edits), () -> {
            try (SafetensorsFile opened = SafetensorsFile.open(file)) {
                return opened.tensors().size();
            }
        });
    }

    @Property(seed = "1602")
    void shardIndexes(@ForAll("edits") List<int[]> edits) throws IOException {
        Path folder = Files.createTempDirectory("fuzz-index");
        for (Path shard : Files.list(QWEN2).filter(p -> p.toString().endsWith(".safetensors")).toList()) {
            Files.copy(shard, folder.resolve(shard.getFileName()));
        }
        Files.write(folder.resolve("model.safetensors.index.json"),
                FuzzOutcome.mutate(bytes(QWEN2.resolve("model.safetensors.index.json")), edits));
        FuzzOutcome.accepts("index" + FuzzOutcome.describe(edits), () -> {
            try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(folder)) {
                return checkpoint.files().size();
            }
        });
        dev.loris.model.Folders.deleteTree(folder);
    }

    @Property(seed = "1603")
    void configFiles(@ForAll("edits") List<int[]> edits) throws IOException {
        Path file = written("config.json", FuzzOutcome.mutate(bytes(QWEN3.resolve("config.json")), edits));
        FuzzOutcome.accepts("config.json" + FuzzOutcome.describe(edits), () -> {
            var config = ModelConfigReader.read(file);
            return config.size().bytesAt(4) + config.ropeInverseFrequencies().length;
        });
    }

    @Property(seed = "1604")
    void tokenizerConfigs(@ForAll("edits") List<int[]> edits) throws IOException {
        Path file = written("tokenizer_config.json",
                FuzzOutcome.mutate(TOKENIZER_CONFIG.getBytes(StandardCharsets.UTF_8), edits));
        FuzzOutcome.accepts("tokenizer_config.json" + FuzzOutcome.describe(edits), () -> TokenizerConfig.read(file.getParent()));
    }

    @Property(seed = "1605")
    void tokenizers(@ForAll("edits") List<int[]> edits) throws IOException {
        Path file = written("tokenizer.json", FuzzOutcome.mutate(TOKENIZER_JSON.getBytes(StandardCharsets.UTF_8), edits));
        FuzzOutcome.accepts("tokenizer.json" + FuzzOutcome.describe(edits), () -> {
            try (Tokenizer tokenizer = Tokenizer.load(file.getParent())) {
                int[] ids = tokenizer.encode("hello world <s> x", true);
                return tokenizer.decode(ids, false);
            }
        });
    }

    @Provide
    Arbitrary<String> templates() {
        Arbitrary<String> piece = Arbitraries.of("{{ ", " }}", "{% ", " %}", "{%- ", " -%}", "for m in messages", "endfor",
                "if ", "elif ", "else", "endif", "set x = ", "m.content", "m['role']", "messages[::-1]", "messages|length",
                "loop.index", "not x is defined", "x is string", " ~ ", " + ", " * 3", "range(5)", "'text'", "\"q\"",
                "namespace(a=1 - 2)", "raise_exception('no')", "|tojson", "|trim", ".strip()", ".split(',')", "(", ")",
                "[", "]", ",", " and ", " or ", "true", "none", "macro f()", "endmacro", "f()", "{# c #}", "\n", "x");
        return piece.list().ofMaxSize(30).map(list -> String.join("", list));
    }

    @Property(seed = "1606")
    void chatTemplates(@ForAll("templates") String template) {
        FuzzOutcome.accepts("template " + template, () -> new ChatTemplate(template,
                TokenizerConfig.parse(TOKENIZER_CONFIG, null, "t"), "fuzz")
                .render(List.of(ChatMessage.user("hi"), new ChatMessage("assistant", "ok")), true));
    }
}
