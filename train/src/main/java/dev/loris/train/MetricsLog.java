package dev.loris.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run's metrics as JSON lines (metrics.jsonl: one object per step, then eval results), flushed each line so
 * a crash keeps what was logged. Appends when resuming.
 */
final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final BufferedWriter out;

    MetricsLog(Path file, boolean append) {
        this.file = file;
        try {
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new LorisException("cannot write " + file + ": " + e.getMessage(), "check the --out folder");
        }
    }

    void step(Trainer.StepResult r, double seconds, long deviceBytes) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", r.step());
        line.put("loss", r.loss());
        line.put("grad_norm", r.gradientNorm());
        line.put("learning_rate", r.learningRate());
        line.put("tokens", r.tokens());
        line.put("labelled_tokens", r.labelledTokens());
        line.put("seconds", seconds);
        line.put("tokens_per_second", r.tokens() / Math.max(seconds, 1e-9));
        line.put("device_bytes", deviceBytes);
        write(line);
    }

    void write(Map<String, Object> line) {
        try {
            out.write(JSON.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new LorisException("cannot write " + file + ": " + e.getMessage(), "check free space");
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new LorisException("cannot close " + file + ": " + e.getMessage(), "check free space");
        }
    }
}
