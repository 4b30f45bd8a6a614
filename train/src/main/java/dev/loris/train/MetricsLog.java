package dev.loris.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.model.safetensors.AtomicFile;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run's metrics as JSON lines (metrics.jsonl: one object per step, and one per evaluation with
 * {@code eval_loss}), flushed each line so a crash keeps what was logged. Appends when resuming, after
 * {@link #truncateAfter} dropped what the killed run logged past its last checkpoint.
 */
final class MetricsLog implements AutoCloseable {
    /** A logged line as a resume reads it back: a training step's loss, or an evaluation's. */
    record Line(int step, double loss, boolean eval) {
    }

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

    static Map<String, Object> eval(int step, double loss) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", step);
        line.put("eval_loss", loss);
        line.put("eval_perplexity", Math.exp(loss));
        return line;
    }

    /**
     * Keeps the lines of steps up to {@code step} (rewriting the file atomically when it drops any) and returns
     * them; no file is no lines.
     */
    static List<Line> truncateAfter(Path file, int step) {
        List<Line> kept = new ArrayList<>();
        if (!Files.exists(file)) {
            return kept;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LorisException("cannot read " + file + ": " + e.getMessage(), "check the --out folder");
        }
        StringBuilder text = new StringBuilder();
        boolean dropped = false;
        for (String raw : lines) {
            JsonNode line;
            try {
                line = raw.isBlank() ? null : JSON.readTree(raw);
            } catch (JacksonException cut) { // a line cut by the kill that ended the run: keep what came before
                dropped = true;
                break;
            }
            if (line == null || line.path("step").asInt() > step) {
                dropped = true;
                continue;
            }
            boolean eval = line.has("eval_loss");
            kept.add(new Line(line.path("step").asInt(), line.path(eval ? "eval_loss" : "loss").asDouble(), eval));
            text.append(raw).append('\n');
        }
        if (dropped) {
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            AtomicFile.write(file, channel -> channel.write(ByteBuffer.wrap(bytes)));
        }
        return kept;
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
