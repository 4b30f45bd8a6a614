package dev.loris.model.safetensors;

import dev.loris.LorisException;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A safetensors file, shard index or checkpoint folder that Loris cannot read or write as asked: truncated or
 * corrupt files, headers that break the format's rules, missing shards, tensors that are not there.
 *
 * <p>The message always starts with the file (or folder) concerned and, where one tensor is at fault, names
 * it; the hint says what the user can do (usually: download the file again).
 */
public final class SafetensorsException extends LorisException {
    private final Path file;
    private final String tensor;

    /** A problem with the file (or folder) as a whole. */
    public SafetensorsException(Path file, String problem, String hint) {
        this(file, null, problem, hint, null);
    }

    /** A problem with one tensor of the file; {@code tensor} may be null when none is concerned. */
    public SafetensorsException(Path file, String tensor, String problem, String hint) {
        this(file, tensor, problem, hint, null);
    }

    public SafetensorsException(Path file, String tensor, String problem, String hint, Throwable cause) {
        super(message(file, tensor, problem), hint, cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** The file or folder the problem is in. */
    public Path file() {
        return file;
    }

    /** The tensor at fault, when the problem is one tensor's. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }

    private static String message(Path file, String tensor, String problem) {
        String where = tensor == null ? file + ": " : file + ": tensor '" + tensor + "': ";
        return where + problem;
    }
}
