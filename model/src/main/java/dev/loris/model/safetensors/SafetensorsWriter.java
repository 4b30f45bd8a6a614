package dev.loris.model.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Collects tensors and writes them as a safetensors file byte-identical to what Python's
 * {@code safetensors.serialize_file} writes for the same tensors and metadata (the Rust crate's
 * {@code prepare}):
 * <ul>
 *   <li>tensors sorted by dtype in descending enum order (U64, I64, F64, F32, ... BOOL: largest alignment
 *       first, so every tensor lands naturally aligned), ties by name in UTF-8 byte order;</li>
 *   <li>offsets back to back from 0, no padding between tensors;</li>
 *   <li>compact JSON as serde_json writes it: {@code __metadata__} first (in the order it was given), then the
 *       tensors in data order, fields {@code dtype, shape, data_offsets}; non-ASCII as raw UTF-8;</li>
 *   <li>the header padded with spaces to a multiple of 8, so the data area starts 8-aligned.</li>
 * </ul>
 * Files are written atomically ({@link AtomicFile}). {@link #writeSharded} splits the tensors into shards as
 * huggingface_hub does, with an index. The writer keeps references to the segments it was given (no copy);
 * they must stay alive until the write. Not thread-safe.
 */
public final class SafetensorsWriter {
    /** Bytes written per channel call: bounds the JDK's temporary direct buffer for heap segments. */
    private static final long WRITE_CHUNK = 8L << 20;

    /** A tensor to write: its bytes now ({@code data}), or made when the write reaches it ({@code compute}). */
    private record Pending(String name, Dtype dtype, long[] shape, long bytes, MemorySegment data,
                           Supplier<MemorySegment> compute) {
        MemorySegment bytesToWrite() {
            MemorySegment made = data != null ? data : compute.get();
            if (made.byteSize() != bytes) {
                throw new IllegalStateException("tensor '" + name + "': " + bytes + " bytes declared, "
                        + made.byteSize() + " made");
            }
            return made;
        }
    }

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a {@code __metadata__} entry (kept in the order added). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(requireEncodable(key), requireEncodable(value));
        return this;
    }

    /** Adds every entry of {@code entries} to {@code __metadata__}. */
    public SafetensorsWriter metadata(Map<String, String> entries) {
        entries.forEach(this::metadata);
        return this;
    }

    /**
     * Adds a tensor whose little-endian, row-major bytes are {@code data} (not copied: the segment must stay
     * alive until the write). Its size must be the shape's element count times the dtype's size.
     */
    public SafetensorsWriter add(String name, Dtype dtype, long[] shape, MemorySegment data) {
        long bytes = checkedBytes(name, dtype, shape);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + Arrays.toString(shape)
                    + " needs " + bytes + " bytes, the data has " + data.byteSize());
        }
        tensors.put(name, new Pending(name, dtype, shape.clone(), bytes, data, null));
        return this;
    }

    /**
     * Adds a tensor whose bytes {@code compute} makes when the write reaches it, so a file of computed tensors
     * (a merged checkpoint) never holds more than one of them in memory. The bytes must be the shape's element
     * count times the dtype's size.
     */
    public SafetensorsWriter addComputed(String name, Dtype dtype, long[] shape, Supplier<MemorySegment> compute) {
        long bytes = checkedBytes(name, dtype, shape);
        tensors.put(name, new Pending(name, dtype, shape.clone(), bytes, null, Objects.requireNonNull(compute)));
        return this;
    }

    private long checkedBytes(String name, Dtype dtype, long[] shape) {
        requireEncodable(name);
        Objects.requireNonNull(dtype, "dtype");
        if (name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException(SafetensorsHeader.METADATA_KEY + " is reserved for the metadata");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        long bytes = dtype.byteSize();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in "
                        + Arrays.toString(shape));
            }
            bytes = Math.multiplyExact(bytes, d);
        }
        return bytes;
    }

    /** Adds a tensor given as floats, stored as F32, F16 or BF16 (rounded to nearest, ties to even). */
    public SafetensorsWriter addFloats(String name, Dtype dtype, long[] shape, float[] values) {
        return add(name, dtype, shape, TensorFloats.encode(values, dtype));
    }

    /** Writes one file at {@code file}, atomically (the folder must exist). */
    public void write(Path file) {
        prepare(file).commit();
    }

    /**
     * Writes the tensors to {@code folder} split into shards of at most {@code maxShardBytes} tensor bytes
     * (see {@link ShardedWrite} for the layout and the guarantees). Returns the files written, index last.
     */
    public List<Path> writeSharded(Path folder, long maxShardBytes) {
        return ShardedWrite.write(this, folder, maxShardBytes);
    }

    /** The names in the order they were added. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** The names in the order {@link #write} puts them in the file. */
    public List<String> fileOrder() {
        return canonicalOrder(tensors.values()).stream().map(Pending::name).toList();
    }

    /** Writes the file to a temporary file beside {@code file}; the caller commits or discards it. */
    AtomicFile prepare(Path file) {
        List<Pending> order = canonicalOrder(tensors.values());
        return AtomicFile.prepare(file, channel -> writeFile(channel, order, metadata));
    }

    /** The byte size of tensor {@code name}. */
    long byteLength(String name) {
        return tensors.get(name).bytes();
    }

    /** A writer for some of this writer's tensors, with the same metadata. */
    SafetensorsWriter subset(List<String> names) {
        SafetensorsWriter part = new SafetensorsWriter();
        part.metadata.putAll(metadata);
        for (String name : names) {
            part.tensors.put(name, tensors.get(name));
        }
        return part;
    }

    private static List<Pending> canonicalOrder(Iterable<Pending> pending) {
        List<Pending> order = new ArrayList<>();
        pending.forEach(order::add);
        order.sort(Comparator.comparing((Pending p) -> p.dtype().ordinal(), Comparator.reverseOrder())
                .thenComparing(p -> p.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        return order;
    }

    private static void writeFile(FileChannel channel, List<Pending> order, Map<String, String> metadata)
            throws IOException {
        byte[] header = header(order, metadata);
        ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(header.length).put(header).flip();
        writeFully(channel, prefix);
        for (Pending tensor : order) {
            MemorySegment data = tensor.bytesToWrite();
            for (long at = 0; at < data.byteSize(); at += WRITE_CHUNK) {
                writeFully(channel, byteBuffer(data.asSlice(at, Math.min(WRITE_CHUNK, data.byteSize() - at))));
            }
        }
    }

    /**
     * The bytes as a ByteBuffer: the segment itself where it can be one (native memory, a byte[]), else a copy
     * (a heap segment over a short[], float[] ... cannot be viewed as a ByteBuffer).
     */
    private static ByteBuffer byteBuffer(MemorySegment chunk) {
        if (!chunk.isNative() && !(chunk.heapBase().orElse(null) instanceof byte[])) {
            return ByteBuffer.wrap(chunk.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        return chunk.asByteBuffer();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** The compact header JSON, space-padded to a multiple of 8 bytes. */
    private static byte[] header(List<Pending> order, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(JsonText.quote(SafetensorsHeader.METADATA_KEY)).append(":{");
            String separator = "";
            for (Map.Entry<String, String> entry : metadata.entrySet()) {
                json.append(separator).append(JsonText.quote(entry.getKey())).append(':')
                        .append(JsonText.quote(entry.getValue()));
                separator = ",";
            }
            json.append('}').append(order.isEmpty() ? "" : ",");
        }
        long offset = 0;
        String separator = "";
        for (Pending tensor : order) {
            long end = offset + tensor.bytes();
            json.append(separator).append(JsonText.quote(tensor.name())).append(":{\"dtype\":\"")
                    .append(tensor.dtype().name()).append("\",\"shape\":[");
            for (int i = 0; i < tensor.shape().length; i++) {
                json.append(i == 0 ? "" : ",").append(tensor.shape()[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
            separator = ",";
        }
        byte[] utf8 = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(utf8, (utf8.length + 7) / 8 * 8);
        Arrays.fill(padded, utf8.length, padded.length, (byte) ' ');
        return padded;
    }

    private static String requireEncodable(String text) {
        Objects.requireNonNull(text);
        if (!JsonText.isWellFormedUtf16(text)) {
            throw new IllegalArgumentException("'" + text + "' has an unpaired surrogate; UTF-8 cannot hold it");
        }
        return text;
    }
}
