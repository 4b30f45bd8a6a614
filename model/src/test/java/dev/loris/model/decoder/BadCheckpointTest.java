package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint that does not hold what config.json describes fails to load with one clear error naming the
 * file and the tensor, and nothing stays allocated: a truncated file, a tensor of the wrong shape, a missing
 * tensor. (The safetensors tests cover each way a file itself can be corrupt.)
 */
class BadCheckpointTest {
    @TempDir
    Path dir;

    private Path copyOfLlama3() throws IOException {
        Path source = HfFixture.load("llama3").folder();
        for (String name : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(source.resolve(name), dir.resolve(name));
        }
        return dir;
    }

    private static LorisException loadFails(Path folder) {
        try (Accelerator acc = Accelerator.open("jvm")) {
            LorisException e = assertThrows(LorisException.class, () -> Decoder.open(folder, acc, Precision.F32).close());
            assertTrue(acc.memoryStats().currentBytes() == 0, "device memory left allocated: " + acc.memoryStats());
            return e;
        }
    }

    @Test
    void truncatedFileNamesTheFile() throws IOException {
        Path folder = copyOfLlama3();
        try (RandomAccessFile file = new RandomAccessFile(folder.resolve("model.safetensors").toFile(), "rw")) {
            file.setLength(file.length() - 1000);
        }
        LorisException e = loadFails(folder);
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void wrongShapeNamesTheTensorAndBothShapes() throws IOException {
        Path folder = copyOfLlama3();
        Path config = folder.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"intermediate_size\": 160", "\"intermediate_size\": 176"));
        LorisException e = loadFails(folder);
        assertTrue(e.getMessage().contains("model.layers.0.mlp.gate_proj.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("[160, 64]") && e.getMessage().contains("[176, 64]"), e.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path folder = copyOfLlama3();
        Path weights = folder.resolve("model.safetensors");
        Path rewritten = folder.resolve("rewritten.safetensors");
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            SafetensorsWriter writer = new SafetensorsWriter();
            for (TensorInfo tensor : file.tensors()) {
                if (!tensor.name().equals("model.norm.weight")) {
                    writer.add(tensor.name(), tensor.dtype(), tensor.shape(), file.data(tensor));
                }
            }
            writer.write(rewritten);
        }
        Files.move(rewritten, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        LorisException e = loadFails(folder);
        assertTrue(e.getMessage().contains("model.norm.weight"), e.getMessage());
    }
}
