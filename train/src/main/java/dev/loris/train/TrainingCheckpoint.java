package dev.loris.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.lora.LoraAdapter;
import dev.loris.model.Folders;
import dev.loris.model.safetensors.AtomicFile;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.train.data.DataPosition;
import dev.loris.train.optim.Optimizer;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.DeviceArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A resumable checkpoint, {@code OUT/checkpoint-N/}: everything a run needs to continue exactly where step N
 * left it. The adapter's files (PEFT's, f32: the master weights themselves, so nothing is rounded), the
 * optimizer state ({@code optimizer.safetensors}: each optimizer's moment buffers), and
 * {@code trainer_state.json}: the step, the data position of the next batch, the early-stopping record and the
 * settings the run was started with (a resume with different ones is refused: it would not continue the same
 * run). Randomness needs no saved state: dropout masks are a hash of (seed, step, micro-batch) and the data
 * order a function of (seed, epoch).
 *
 * <p>The folder is written as {@code checkpoint-N.partial} and renamed when complete, so a run killed while
 * saving leaves no checkpoint that looks whole; {@link #latest} ignores (and a resume deletes) partial ones.
 */
public final class TrainingCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    static final String STATE = "trainer_state.json";
    static final String OPTIMIZER = "optimizer.safetensors";

    /** What a checkpoint records besides the tensors. */
    public record State(int step, DataPosition next, long tokens, double bestEvalLoss, int bestStep,
                        int evalsWithoutImprovement, Map<String, String> settings) {
    }

    private TrainingCheckpoint() {
    }

    /** Writes {@code out/checkpoint-<step>/} and returns it. */
    public static Path save(Path out, LoraTrainer trainer, LoraAdapter adapter, State state, String baseModel) {
        Path target = out.resolve("checkpoint-" + state.step());
        Path partial = out.resolve("checkpoint-" + state.step() + ".partial");
        try {
            Folders.deleteTree(partial);
            adapter.save(partial, baseModel);
            writeOptimizers(partial.resolve(OPTIMIZER), trainer.optimizers());
            byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state);
            AtomicFile.write(partial.resolve(STATE), channel -> channel.write(ByteBuffer.wrap(json)));
            Folders.deleteTree(target);
            Files.move(partial, target);
            return target;
        } catch (IOException e) {
            throw new LorisException("cannot write the checkpoint " + target + ": " + e.getMessage(),
                    "check free space in the --out folder");
        }
    }

    /** The complete checkpoint of the highest step under {@code out}, if any. */
    public static Optional<Path> latest(Path out) {
        if (!Files.isDirectory(out)) {
            return Optional.empty();
        }
        try (Stream<Path> children = Files.list(out)) {
            Path best = null;
            int bestStep = -1;
            for (Path child : children.toList()) {
                Matcher m = NAME.matcher(child.getFileName().toString());
                if (m.matches() && Files.isRegularFile(child.resolve(STATE)) && Integer.parseInt(m.group(1)) > bestStep) {
                    bestStep = Integer.parseInt(m.group(1));
                    best = child;
                }
            }
            return Optional.ofNullable(best);
        } catch (IOException | NumberFormatException e) {
            throw new LorisException("cannot list the checkpoints in " + out + ": " + e.getMessage(),
                    "check the --out folder");
        }
    }

    /** Reads a checkpoint's state, refusing one whose settings differ from {@code settings}. */
    public static State read(Path checkpoint, Map<String, String> settings) {
        Path file = checkpoint.resolve(STATE);
        State state;
        try {
            state = JSON.readValue(file.toFile(), State.class);
        } catch (IOException e) {
            throw new LorisException("cannot read " + file + ": " + e.getMessage(),
                    "the checkpoint is damaged: delete it to resume from the one before, or start again");
        }
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            String saved = state.settings().get(setting.getKey());
            if (!setting.getValue().equals(saved)) {
                throw new LorisException("--resume: " + setting.getKey() + " was " + saved + " in " + checkpoint
                        + " but is " + setting.getValue() + " now", "resume with the settings the run started with,"
                        + " or train into a new --out folder");
            }
        }
        return state;
    }

    /** Loads the optimizers' state and step counts from a checkpoint into a freshly built trainer at its step. */
    public static void restore(Path checkpoint, LoraTrainer trainer, State state) {
        Path file = checkpoint.resolve(OPTIMIZER);
        try (SafetensorsFile tensors = SafetensorsFile.open(file)) {
            List<Optimizer> optimizers = trainer.optimizers();
            for (int o = 0; o < optimizers.size(); o++) {
                DeviceArray[] buffers = optimizers.get(o).state();
                for (int b = 0; b < buffers.length; b++) {
                    if (buffers[b] != null) {
                        String name = "optimizer." + o + ".state." + b;
                        if (!tensors.contains(name) || tensors.info(name).dtype() != Dtype.F32
                                || tensors.info(name).elementCount() != buffers[b].length()) {
                            throw new LorisException(file + " has no f32 " + name + " of " + buffers[b].length()
                                    + " values", "the checkpoint belongs to another run: resume with its settings");
                        }
                        FloatArray host = new FloatArray(buffers[b].length());
                        host.getSegment().copyFrom(tensors.data(name));
                        buffers[b].copyFrom(host);
                    }
                }
                optimizers.get(o).restoreSteps(Long.parseLong(tensors.metadata().get("optimizer." + o + ".steps")));
            }
        }
        trainer.resumeAt(state.step());
    }

    private static void writeOptimizers(Path file, List<Optimizer> optimizers) {
        SafetensorsWriter writer = new SafetensorsWriter();
        List<FloatArray> keepAlive = new ArrayList<>();
        for (int o = 0; o < optimizers.size(); o++) {
            DeviceArray[] buffers = optimizers.get(o).state();
            for (int b = 0; b < buffers.length; b++) {
                if (buffers[b] != null) {
                    FloatArray host = new FloatArray(buffers[b].length());
                    buffers[b].copyTo(host);
                    keepAlive.add(host);
                    writer.add("optimizer." + o + ".state." + b, Dtype.F32, new long[] {host.getSize()},
                            host.getSegment());
                }
            }
            writer.metadata("optimizer." + o + ".steps", Long.toString(optimizers.get(o).steps()));
        }
        writer.metadata("format", "loris-optimizer-1");
        writer.write(file);
    }

    /** The settings a resumed run must share with the run it continues, as text for the state file. */
    public static Map<String, String> settings(Object... namesAndValues) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            settings.put(namesAndValues[i].toString(), String.valueOf(namesAndValues[i + 1]));
        }
        return settings;
    }
}
