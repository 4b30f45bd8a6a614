package dev.loris.cli;

import dev.loris.gguf.GgmlType;
import dev.loris.gguf.GgufFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loris export} on the model module's tiny qwen3 reference model with a byte-level BPE tokenizer made
 * here: the GGUF, its Modelfile and the progress and fallback lines; bad input as one-line errors.
 */
@Tag("tokenizer")
class ExportCommandTest {
    @TempDir
    Path dir;

    private Path model() throws IOException {
        return TinyByteLevelModel.write(dir.resolve("tiny-qwen3"));
    }

    @Test
    void exportsAGgufWithItsModelfileAndReportsFallbacks() throws IOException {
        Path model = model();
        Path out = dir.resolve("tiny.gguf");
        CliRun result = CliRun.of("export", "--model", model.toString(), "--quant", "q4_k_m", "--out", out.toString(),
                "--threads", "2");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("[1/"), result.out());
        assertTrue(result.out().contains("fallback: blk.0.attn_q.weight: rows of 64 do not split into Q4_K's blocks "
                + "of 256, written as Q5_0"), result.out());
        assertTrue(result.out().contains("wrote " + out), result.out());
        try (GgufFile gguf = GgufFile.open(out)) {
            assertEquals("qwen3", gguf.metadata().string("general.architecture"));
            assertEquals(15, gguf.metadata().integer("general.file_type"));
            assertEquals(GgmlType.Q8_0, gguf.tensor("token_embd.weight").type(), "tied embeddings take output's rule");
            assertEquals(GgmlType.F32, gguf.tensor("blk.0.attn_q_norm.weight").type());
            assertEquals("qwen2", gguf.metadata().string("tokenizer.ggml.pre"));
        }
        String modelfile = Files.readString(dir.resolve("tiny.gguf.Modelfile"));
        assertTrue(modelfile.startsWith("# Ollama Modelfile"), modelfile);
        assertTrue(modelfile.contains("FROM ./tiny.gguf"), modelfile);
        assertTrue(modelfile.contains("PARAMETER stop \"<|im_end|>\""), modelfile);
    }

    @Test
    void mergesAnAdapterIntoSafetensorsAndIntoAGguf() throws IOException {
        Path model = model();
        Path adapter = adapterFolder();
        Path merged = dir.resolve("merged");
        CliRun folder = CliRun.of("export", "--model", model.toString(), "--adapter", adapter.toString(), "--format",
                "merged", "--out", merged.toString());
        assertEquals(0, folder.exitCode(), folder.err());
        assertTrue(Files.exists(merged.resolve("model.safetensors")));
        assertTrue(Files.exists(merged.resolve("tokenizer.json")), "tokenizer files travel with the merge");
        Path gguf = dir.resolve("merged.gguf");
        CliRun file = CliRun.of("export", "--model", model.toString(), "--adapter", adapter.toString(), "--quant", "f16",
                "--out", gguf.toString());
        assertEquals(0, file.exitCode(), file.err());
        assertFalse(Files.exists(dir.resolve(".merged.gguf.merged")), "the temporary merge is removed");
        try (GgufFile merged16 = GgufFile.open(gguf)) {
            assertEquals("qwen3", merged16.metadata().string("general.architecture"));
        }
    }

    /** Loris' committed adapter for the qwen3 reference model (lora/src/test/resources/peft/loris). */
    private static Path adapterFolder() {
        for (String root : new String[] {"../lora", "lora"}) {
            Path folder = Path.of(root, "src/test/resources/peft/loris/qwen3/adapter");
            if (Files.isDirectory(folder)) {
                return folder;
            }
        }
        throw new IllegalStateException("no lora/src/test/resources/peft/loris/qwen3/adapter");
    }

    @Test
    void badQuantAndFormatAreOneLineErrors() throws IOException {
        Path model = model();
        Path out = dir.resolve("x.gguf");
        CliRun quant = CliRun.of("export", "--model", model.toString(), "--quant", "q3_k_s", "--out", out.toString());
        assertEquals(2, quant.exitCode(), "a bad option value is bad usage");
        assertTrue(quant.err().contains("--quant q3_k_s is not a GGUF type Loris writes: use one of f32, f16, bf16"),
                quant.err());
        CliRun merged = CliRun.of("export", "--model", model.toString(), "--format", "merged", "--out", out.toString());
        assertEquals(2, merged.exitCode());
        assertTrue(merged.err().contains("--format merged needs --adapter DIR"), merged.err());
        Files.writeString(model.resolve("config.json"), Files.readString(model.resolve("config.json"))
                .replace("\"qwen3\"", "\"phi4mm\""));
        CliRun arch = CliRun.of("export", "--model", model.toString(), "--out", out.toString());
        assertEquals(1, arch.exitCode());
        assertTrue(arch.err().contains("model_type 'phi4mm' is not supported"), arch.err());
        assertFalse(Files.exists(out));
    }
}
