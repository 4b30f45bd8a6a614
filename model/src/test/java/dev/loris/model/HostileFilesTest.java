package dev.loris.model;

import dev.loris.LorisException;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.model.tokenizer.TokenizerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: every reader of a model folder's text files (config.json, tokenizer.json, tokenizer_config.json,
 * the shard index) reads boundedly and says what is really wrong: a huge file is refused before it is read,
 * a named pipe is refused instead of blocking forever, non-UTF-8 bytes are called that (not "check the
 * file's permissions").
 */
class HostileFilesTest {
    @TempDir
    Path folder;

    private record Reader(String file, Consumer<Path> read) {
    }

    private static final List<Reader> READERS = List.of(
            new Reader("config.json", ModelConfig::read),
            new Reader("tokenizer.json", Tokenizer::load),
            new Reader("tokenizer_config.json", TokenizerConfig::read),
            new Reader("model.safetensors.index.json", SafetensorsCheckpoint::open));

    @Test
    void aHugeFileIsRefusedWithoutReadingIt() throws IOException {
        for (Reader reader : READERS) {
            Path file = folder.resolve(reader.file());
            try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
                sparse.setLength(3L << 30); // 3 GB, sparse: costs no disk
            }
            LorisException e = assertThrows(LorisException.class, () -> reader.read().accept(folder), reader.file());
            assertTrue(e.getMessage().contains(reader.file()) && e.getMessage().contains("bytes"),
                    reader.file() + ": " + e.userMessage());
            Files.delete(file);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aNamedPipeIsRefusedInsteadOfBlocking() throws Exception {
        for (Reader reader : READERS) {
            Path file = folder.resolve(reader.file());
            Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).start();
            if (mkfifo.waitFor() != 0) {
                return; // no mkfifo on this system
            }
            LorisException e = assertThrows(LorisException.class, () -> reader.read().accept(folder), reader.file());
            assertTrue(e.getMessage().contains("not a regular file"), reader.file() + ": " + e.userMessage());
            Files.delete(file);
        }
    }

    @Test
    void nonUtf8TextIsCalledThat() throws IOException {
        for (Reader reader : READERS) {
            Path file = folder.resolve(reader.file());
            Files.write(file, new byte[] {'{', '"', 'a', '"', ':', ' ', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
            LorisException e = assertThrows(LorisException.class, () -> reader.read().accept(folder), reader.file());
            assertTrue(e.getMessage().contains("not UTF-8") && !e.hint().contains("permission"),
                    reader.file() + ": " + e.userMessage());
            Files.delete(file);
        }
    }
}
