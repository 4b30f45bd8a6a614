package dev.loris.model.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One safetensors file, memory-mapped read-only and checked in full when opened (see {@link SafetensorsHeader}
 * for the rules). Tensor data is never copied to the Java heap: {@link #data} returns a slice of the mapping,
 * which the OS pages in on first touch, so opening a 16 GB checkpoint costs its header, not its weights.
 *
 * <p>The mapping lives in a shared arena: slices may be read from any thread, and {@link #close} unmaps the
 * file; reading a slice after that throws {@link IllegalStateException} rather than touching freed memory.
 * Limit: if another process truncates the file while it is mapped, touching the lost pages crashes the read
 * with an {@link InternalError} (SIGBUS), as with any mapping; checkpoints are not expected to change under us.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment content;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;

    private SafetensorsFile(Path path, Arena arena, MemorySegment content, SafetensorsHeader.Parsed header) {
        this.path = path;
        this.arena = arena;
        this.content = content;
        this.metadata = header.metadata();
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo tensor : header.tensors()) {
            byName.put(tensor.name(), tensor);
        }
        this.tensors = Collections.unmodifiableMap(byName);
        this.dataStart = header.dataStart();
    }

    /** Maps {@code file} and checks its header; the caller closes the result. */
    public static SafetensorsFile open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment content = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new SafetensorsFile(file, arena, content, SafetensorsHeader.parse(file, content));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new SafetensorsException(file, null, "no such file", "check the path", e);
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(file, null, "cannot be read: " + e, "check that the file exists "
                    + "and is readable", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** The file's size in bytes. */
    public long size() {
        return content.byteSize();
    }

    /** Where the data area begins: 8 plus the header length, a multiple of 8 in files canonical writers make. */
    public long dataStart() {
        return dataStart;
    }

    /** The header's {@code __metadata__} (empty if absent), in header order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in file order (by data offset). */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** Every tensor, in file order. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}, if the file holds one. */
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor called {@code name}; a {@link SafetensorsException} naming close names if there is none. */
    public TensorInfo info(String name) {
        TensorInfo tensor = tensors.get(name);
        if (tensor == null) {
            throw new SafetensorsException(path, name, "no such tensor in this file"
                    + CloseNames.suggest(name, tensors.keySet()), "check the tensor name against the checkpoint");
        }
        return tensor;
    }

    /** The tensor's bytes: a read-only slice of the mapped file (no copy), valid until {@link #close}. */
    public MemorySegment data(String name) {
        return data(info(name));
    }

    /** The bytes of a tensor of this file (as returned by {@link #info}): a read-only slice of the mapping. */
    public MemorySegment data(TensorInfo tensor) {
        return content.asSlice(tensor.fileOffset(), tensor.byteLength());
    }

    /**
     * The tensor widened to a fresh float[] (F32, F16 or BF16; exact). This copies, so it is meant for small
     * tensors (norm weights, tests); weights for a device are uploaded from {@link #data}.
     */
    public float[] readFloats(String name) {
        TensorInfo tensor = info(name);
        if (!tensor.dtype().readableAsFloat()) {
            throw new SafetensorsException(path, name, "is " + tensor.dtype() + ", not F32, F16 or BF16",
                    "read it with data(name) and convert it as its type requires");
        }
        long count = tensor.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(path, name, "has " + count + " elements, more than a Java array holds",
                    "read it with data(name), which does not copy");
        }
        return TensorFloats.decode(data(tensor), tensor.dtype(), (int) count);
    }

    /** The whole mapped file (header included), read-only. */
    public MemorySegment content() {
        return content;
    }

    /** Unmaps the file; every segment from {@link #data} becomes inaccessible. Idempotent. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
