package dev.loris.gguf.export;

import dev.loris.gguf.GgufFile;
import dev.loris.gguf.GgufTensorInfo;
import dev.loris.gguf.LlamaQuantize;
import dev.loris.gguf.RequiresNodeConsumers;
import dev.loris.gguf.TinyModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our quantised exports byte for byte against llama.cpp's own quantiser: a tiny model is exported in F32,
 * quantised by llama_model_quantize ({@link LlamaQuantize}: libllama from node-llama-cpp's prebuilt binaries,
 * through java.lang.foreign, as llama-quantize does without an importance matrix), and every tensor's type and
 * bytes are compared with Loris' direct export to the same type. The model's MLP rows (320) do not split
 * into 256, so the fallbacks (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0) are compared too.
 */
@RequiresNodeConsumers
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlamaQuantizeTest {
    private Path dir;
    private Path folder;
    private Path f32;

    @BeforeAll
    void exportF32() throws java.io.IOException {
        dir = java.nio.file.Files.createTempDirectory("loris-llama-quantize");
        folder = TinyModel.mistral().withWidths(256, 320).write(dir, 11);
        f32 = dir.resolve("f32.gguf");
        GgufExporter.export(folder, f32, GgufExporter.Options.of(GgufFileType.F32));
    }

    @AfterAll
    void removeFiles() throws java.io.IOException {
        try (var walk = java.nio.file.Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgufFileType.class, names = {"Q8_0", "Q4_0", "Q4_K_M", "Q5_K_M", "Q6_K"})
    void ourBytesAreLlamaQuantizes(GgufFileType type) {
        Path theirs = dir.resolve("llama-" + type.cliName() + ".gguf");
        Path ours = dir.resolve("loris-" + type.cliName() + ".gguf");
        LlamaQuantize.quantize(f32, theirs, type.ftype(), 2);
        GgufExporter.Result result = GgufExporter.export(folder, ours, GgufExporter.Options.of(type));
        int identical = 0;
        List<String> different = new ArrayList<>();
        try (GgufFile a = GgufFile.open(ours); GgufFile b = GgufFile.open(theirs)) {
            assertEquals(b.tensors().size(), a.tensors().size());
            for (GgufTensorInfo info : b.tensors()) {
                GgufTensorInfo mine = a.tensor(info.name());
                assertEquals(info.type(), mine.type(), info.name() + ": llama-quantize chose " + info.type());
                if (a.data(info.name()).mismatch(b.data(info.name())) == -1) {
                    identical++;
                } else {
                    different.add(info.name() + " " + info.type());
                }
            }
            System.out.printf("%s: %d of %d tensors byte-identical to llama_model_quantize's (%d fell back: %s)%n",
                    type.cliName(), identical, b.tensors().size(), result.fallbacks().size(),
                    result.fallbacks().isEmpty() ? "none" : result.fallbacks().getFirst());
        }
        assertTrue(different.isEmpty(), "tensors that differ: " + different);
    }

}
