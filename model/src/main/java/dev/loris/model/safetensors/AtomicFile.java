package dev.loris.model.safetensors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file written in full to a hidden temporary file beside its target, flushed to disk, then renamed over the
 * target in one atomic step: readers see the old file or the new one, never half of one, and a write that
 * fails leaves neither the target changed nor the temporary file behind.
 *
 * <p>Two steps, so that several files (the shards of a checkpoint) can all be written before any of them
 * replaces its target: {@link #prepare} writes, {@link #commit} renames, {@link #discard} cleans up. The
 * temporary file is created with the default permissions (not {@code createTempFile}'s owner-only ones), so
 * the final file has the permissions any new file in that folder would have. Names of temporary files start
 * with '.' and end with ".tmp"; {@link SafetensorsCheckpoint} skips hidden files. Public for the GGUF
 * writer, which streams its tensors through the same body.
 */
public final class AtomicFile {
    /** What fills the temporary file. */
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    private final Path target;
    private final Path temporary;

    private AtomicFile(Path target, Path temporary) {
        this.target = target;
        this.temporary = temporary;
    }

    /** Writes and commits {@code target} in one go. */
    public static void write(Path target, Body body) {
        prepare(target, body).commit();
    }

    /** Writes {@code body} to a temporary file beside {@code target} and flushes it; the target is unchanged. */
    public static AtomicFile prepare(Path target, Body body) {
        Path folder = target.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            temporary = createTemporary(folder, target.getFileName().toString());
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                channel.force(true);
            }
            return new AtomicFile(target, temporary);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw cannotWrite(target, e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(temporary);
            throw e;
        }
    }

    /** Renames the temporary file over the target, atomically, and flushes the folder's entry. */
    public void commit() {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw cannotWrite(target, e);
        }
        syncFolder(target.toAbsolutePath().getParent());
    }

    /** Deletes the temporary file; the target stays as it was. */
    public void discard() {
        deleteQuietly(temporary);
    }

    private static Path createTemporary(Path folder, String targetName) throws IOException {
        while (true) {
            Path candidate = folder.resolve("." + targetName + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                // CREATE_NEW: default permissions, and never an existing file (another writer's) reused.
                FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return candidate;
            } catch (FileAlreadyExistsException taken) {
                // another random name
            }
        }
    }

    /**
     * Makes the rename itself durable. Opening a folder for reading works on Linux and macOS; where it does
     * not (Windows), the rename is still atomic, only its durability across a power cut is left to the OS.
     */
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException unsupported) {
            // See the comment above: nothing else to do on such systems.
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // The original failure is the one to report; a leftover hidden .tmp file is harmless.
        }
    }

    private static SafetensorsException cannotWrite(Path target, IOException e) {
        return new SafetensorsException(target, null, "cannot be written: " + e, "check the free disk space "
                + "and that the folder exists and is writable", e);
    }
}
