package dev.loris.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.model.Folders;
import dev.loris.model.safetensors.AtomicFile;
import dev.loris.train.data.DataPosition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A resumable checkpoint, {@code OUT/checkpoint-N/}: everything a run needs to continue exactly where step N
 * left it. {@code trainer_state.safetensors} ({@link Trainer#saveState}: every group's f32 master weights and
 * optimizer state), and {@code trainer_state.json}: the step, the data position of the next batch, the early-stopping record and the
 * settings the run was started with (a resume with different ones is refused: it would not continue the same
 * run). Randomness needs no saved state: dropout masks are a hash of (seed, step, micro-batch) and the data
 * order a function of (seed, epoch).
 *
 * <p>Besides those, the checkpoint holds what the run saves at its end (the adapter's files, or a model
 * folder), so a checkpoint can be used as it is.
 *
 * <p>The folder is written as {@code checkpoint-N.partial} and renamed when complete, so a run killed while
 * saving leaves no checkpoint that looks whole; {@link #latest} ignores (and a resume deletes) partial ones.
 */
public final class TrainingCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    static final String STATE = "trainer_state.json";
    static final String TRAINER = "trainer_state.safetensors";

    /** What a checkpoint records besides the tensors. */
    public record State(int step, DataPosition next, long tokens, double bestEvalLoss, int bestStep,
                        int evalsWithoutImprovement, Map<String, String> settings) {
    }

    private TrainingCheckpoint() {
    }

    /** Writes {@code out/checkpoint-<step>/} and returns it. */
    public static Path save(Path out, Trainer trainer, State state) {
        Path target = out.resolve("checkpoint-" + state.step());
        Path partial = out.resolve("checkpoint-" + state.step() + ".partial");
        try {
            Folders.deleteTree(partial);
            trainer.parameters().save(partial);
            trainer.saveState(partial.resolve(TRAINER));
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

    /**
     * Loads a checkpoint's master weights, optimizer state and step into a trainer built as the run was (same
     * method, adapter shape and optimizer), so it continues at the step after the checkpoint's.
     */
    public static void restore(Path checkpoint, Trainer trainer, State state) {
        trainer.loadState(checkpoint.resolve(TRAINER));
        if (trainer.stepsDone() != state.step()) {
            throw new LorisException(checkpoint + " is damaged: its trainer state is at step " + trainer.stepsDone()
                    + ", its trainer_state.json at step " + state.step(), "delete it to resume from the one before");
        }
    }
}
