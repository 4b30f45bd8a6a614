package dev.loris.model;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * Test resources of the model module: gzip-compressed files read whole (Java has no xz), the committed
 * real tokenizers unpacked once per JVM into a model-like folder, and fixtures recorded by the Python
 * scripts next to them, which tests skip without (naming the script to run).
 */
public final class TestResources {
    private static final Map<String, Path> TOKENIZER_FOLDERS = new ConcurrentHashMap<>();

    private TestResources() {
    }

    /** The text of a gzip-compressed classpath resource, or empty when it is not there. */
    public static Optional<String> gzipText(String resource) {
        try (InputStream raw = TestResources.class.getResourceAsStream(resource)) {
            if (raw == null) {
                return Optional.empty();
            }
            try (InputStream in = new GZIPInputStream(raw, 1 << 16)) {
                return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** A recorded fixture; skips the calling test, naming the script that records it, when absent. */
    public static String fixtureOrSkip(String resource, String script) {
        Optional<String> text = gzipText(resource);
        Assumptions.assumeTrue(text.isPresent(), () -> "fixture " + resource + " is absent: record it with "
                + "`python3 model/src/test/resources" + script + "` (needs transformers; no network)");
        return text.orElseThrow();
    }

    /**
     * A folder holding tokenizer.json and tokenizer_config.json of one committed real tokenizer
     * ("llama3", "qwen3", "gemma3", "llama2"), unpacked from tokenizers/NAME/ on first use.
     */
    public static Path tokenizerFolder(String name) {
        return TOKENIZER_FOLDERS.computeIfAbsent(name, TestResources::unpackTokenizer);
    }

    private static Path unpackTokenizer(String name) {
        String base = "/tokenizers/" + name + "/";
        String tokenizer = gzipText(base + "tokenizer.json.gz")
                .orElseThrow(() -> new IllegalStateException("missing resource " + base + "tokenizer.json.gz"));
        String config = gzipText(base + "tokenizer_config.json.gz")
                .orElseThrow(() -> new IllegalStateException("missing resource " + base + "tokenizer_config.json.gz"));
        try {
            Path dir = Files.createTempDirectory("loris-tokenizer-" + name);
            dir.toFile().deleteOnExit();
            Files.writeString(dir.resolve("tokenizer.json"), tokenizer).toFile().deleteOnExit();
            Files.writeString(dir.resolve("tokenizer_config.json"), config).toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
