package dev.loris.gguf.export;

import dev.loris.LorisException;
import dev.loris.gguf.GgufException;
import dev.loris.gguf.GgufFile;
import dev.loris.gguf.TinyModel;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input to the export: one clear error naming the file, tensor or setting, and no output file. */
class ExportErrorsTest {
    @TempDir
    Path dir;

    private Path model() {
        return TinyModel.qwen3().withWidths(64, 128).write(dir, 2);
    }

    private void assertRefused(Path folder, String... fragments) {
        Path out = dir.resolve("out.gguf");
        LorisException e = assertThrows(LorisException.class,
                () -> GgufExporter.export(folder, out, GgufExporter.Options.of(GgufFileType.Q8_0)));
        for (String fragment : fragments) {
            assertTrue(e.userMessage().contains(fragment), e.userMessage());
        }
        assertFalse(Files.exists(out), "no output file");
    }

    /** Rewrites the model's safetensors with {@code edit} applied to the writer after the original tensors. */
    private void rewrite(Path folder, UnaryOperator<SafetensorsWriter> edit, String drop) throws IOException {
        Path file = folder.resolve("model.safetensors");
        Path old = folder.resolve("old.bin");
        Files.move(file, old);
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(old)) {
            SafetensorsWriter writer = new SafetensorsWriter();
            for (String name : checkpoint.names()) {
                if (!name.equals(drop)) {
                    writer.add(name, checkpoint.info(name).dtype(), checkpoint.info(name).shape(), checkpoint.data(name));
                }
            }
            edit.apply(writer).write(file);
        }
        Files.delete(old);
    }

    @Test
    void missingTokenizer() throws IOException {
        Path folder = model();
        Files.delete(folder.resolve("tokenizer.json"));
        assertRefused(folder, "has no tokenizer.json", "copy the base model's tokenizer.json");
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path folder = model();
        rewrite(folder, w -> w, "model.layers.1.mlp.up_proj.weight");
        assertRefused(folder, "lacks 1 tensor(s)", "model.layers.1.mlp.up_proj.weight");
    }

    @Test
    void unknownTensorIsNamed() throws IOException {
        Path folder = model();
        rewrite(folder, w -> w.add("model.layers.0.mlp.experts.0.weight", Dtype.BF16, new long[] {2},
                MemorySegment.ofArray(new byte[4])), null);
        assertRefused(folder, "model.layers.0.mlp.experts.0.weight", "have no place");
    }

    @Test
    void quantisedCheckpointIsRefused() throws IOException {
        Path folder = model();
        rewrite(folder, w -> w.add("model.layers.0.mlp.down_proj.weight", Dtype.U8, new long[] {64, 128},
                MemorySegment.ofArray(new byte[64 * 128])), "model.layers.0.mlp.down_proj.weight");
        assertRefused(folder, "model.layers.0.mlp.down_proj.weight", "is U8", "F32, F16 or BF16");
    }

    @Test
    void unknownQuantTypeListsTheChoices() {
        dev.loris.InvalidSettingException e = assertThrows(dev.loris.InvalidSettingException.class, () -> GgufFileType.parse("iq2_xs"));
        assertTrue(e.userMessage().contains("q4_k_m, q5_k_m, q6_k"), e.userMessage());
    }

    @Test
    void unwritableTargetLeavesNothing() {
        Path folder = model();
        Path out = dir.resolve("no-such-folder").resolve("out.gguf");
        GgufException e = assertThrows(GgufException.class,
                () -> GgufExporter.export(folder, out, GgufExporter.Options.of(GgufFileType.Q8_0)));
        assertTrue(e.userMessage().contains("could not be written"), e.userMessage());
        assertFalse(Files.exists(out.getParent()));
    }

    @Test
    void fallbacksAreReportedAndTheFileReadsBack() {
        Path folder = model();
        Path out = dir.resolve("q4.gguf");
        GgufExporter.Result result = GgufExporter.export(folder, out, GgufExporter.Options.of(GgufFileType.Q4_K_M));
        assertTrue(result.fallbacks().contains("blk.1.ffn_down.weight: rows of 128 do not split into Q6_K's blocks "
                + "of 256, written as Q8_0"), result.fallbacks().toString());
        try (GgufFile gguf = GgufFile.open(out)) {
            assertEquals(result.tensors(), gguf.tensors());
        }
    }
}
