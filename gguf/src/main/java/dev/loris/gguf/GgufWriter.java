package dev.loris.gguf;

import dev.loris.model.safetensors.AtomicFile;
import dev.loris.model.safetensors.SafetensorsException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a GGUF v3 file: header, metadata, tensor infos in data order, zero padding to the alignment, then each
 * tensor's data, every one (the last included) padded to the alignment, as llama.cpp's gguf.cpp requires
 * (offset of tensor i = sum of the padded sizes before it).
 *
 * <p>Tensor data is streamed: each tensor's {@link TensorBody} is called in order when the file is written and
 * hands its bytes to a {@link TensorSink}, so a whole model never sits in memory. The file is written to a
 * hidden temporary file beside the target and renamed over it at the end ({@link AtomicFile}): a failure, a
 * full disk included, leaves no partial file. The alignment is 32 unless {@code general.alignment} is set
 * (UINT32, a power of two) in the metadata.
 */
public final class GgufWriter {
    public static final int DEFAULT_ALIGNMENT = 32;
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int VERSION = 3;

    /** Produces one tensor's bytes, exactly {@link GgufTensorInfo#byteSize()} of them, in row order. */
    public interface TensorBody {
        void writeTo(TensorSink sink) throws IOException;
    }

    /** Where a tensor body writes; may be called any number of times per tensor. */
    public interface TensorSink {
        void write(MemorySegment bytes) throws IOException;
    }

    private record Pending(GgufTensorInfo info, TensorBody body) {}

    private final GgufMetadata metadata;
    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    public GgufWriter(GgufMetadata metadata) {
        this.metadata = metadata;
    }

    /** Adds a tensor; tensors are written in the order added. */
    public GgufWriter add(GgufTensorInfo info, TensorBody body) {
        byte[] name = info.name().getBytes(StandardCharsets.UTF_8);
        if (name.length > GgufTensorInfo.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + info.name() + "' is longer than llama.cpp's "
                    + GgufTensorInfo.MAX_NAME_BYTES + " bytes");
        }
        if (!names.add(info.name())) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' was already added");
        }
        info.byteSize(); // checks that rows split into whole blocks
        tensors.add(new Pending(info, body));
        return this;
    }

    /** The alignment the metadata asks for (general.alignment) or 32. */
    public int alignment() {
        return metadata.find("general.alignment").map(v -> (int) v.asLong()).orElse(DEFAULT_ALIGNMENT);
    }

    /** The tensor infos with the offsets the file will give them. */
    public List<GgufTensorInfo> layout() {
        List<GgufTensorInfo> placed = new ArrayList<>(tensors.size());
        long offset = 0;
        for (Pending p : tensors) {
            placed.add(p.info.at(offset));
            offset += pad(p.info.byteSize(), alignment());
        }
        return placed;
    }

    /** Writes the file atomically; a {@link GgufException} naming it when that fails. */
    public void write(Path target) {
        try {
            AtomicFile.write(target, this::writeTo);
        } catch (SafetensorsException e) {
            throw new GgufException(target + " could not be written: " + e.getCause(),
                    "check the free disk space and that the folder exists and is writable; nothing was left "
                            + "behind", e);
        }
    }

    /** Writes the whole file to {@code channel} from its current position. */
    public void writeTo(FileChannel channel) throws IOException {
        int alignment = alignment();
        if (Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("general.alignment must be a power of two, not " + alignment);
        }
        List<GgufTensorInfo> placed = layout();
        LittleEndianBuffer header = new LittleEndianBuffer();
        header.u32(MAGIC).u32(VERSION).u64(placed.size()).u64(metadata.size());
        metadata.entries().forEach((key, value) -> {
            header.string(key);
            header.u32(value.type().id());
            header.value(value);
        });
        for (GgufTensorInfo info : placed) {
            header.string(info.name());
            long[] ne = info.ne();
            header.u32(ne.length);
            for (long n : ne) {
                header.u64(n);
            }
            header.u32(info.type().id());
            header.u64(info.offset());
        }
        header.zeros((int) (pad(header.size(), alignment) - header.size()));
        writeFully(channel, MemorySegment.ofArray(header.toByteArray()));
        for (int i = 0; i < tensors.size(); i++) {
            writeTensor(channel, tensors.get(i), alignment);
        }
    }

    private static void writeTensor(FileChannel channel, Pending tensor, int alignment) throws IOException {
        long expected = tensor.info.byteSize();
        long[] written = {0};
        tensor.body.writeTo(bytes -> {
            written[0] += bytes.byteSize();
            if (written[0] > expected) {
                throw new IllegalStateException(tensor.info + ": body wrote more than its " + expected + " bytes");
            }
            writeFully(channel, bytes);
        });
        if (written[0] != expected) {
            throw new IllegalStateException(tensor.info + ": body wrote " + written[0] + " of " + expected + " bytes");
        }
        int padding = (int) (pad(expected, alignment) - expected);
        if (padding > 0) {
            writeFully(channel, MemorySegment.ofArray(new byte[padding]));
        }
    }

    static void writeFully(FileChannel channel, MemorySegment bytes) throws IOException {
        boolean byteBacked = bytes.isNative() || bytes.heapBase().orElse(null) instanceof byte[];
        ByteBuffer buffer = byteBacked ? bytes.asByteBuffer()
                : ByteBuffer.wrap(bytes.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    static long pad(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    /** The header under construction, little-endian. */
    static final class LittleEndianBuffer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        LittleEndianBuffer u32(long v) {
            scratch.clear();
            scratch.putInt((int) v);
            out.write(scratch.array(), 0, 4);
            return this;
        }

        LittleEndianBuffer u64(long v) {
            scratch.clear();
            scratch.putLong(v);
            out.write(scratch.array(), 0, 8);
            return this;
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            out.write(bytes, 0, bytes.length);
        }

        void zeros(int n) {
            out.write(new byte[n], 0, n);
        }

        void value(GgufValue value) {
            if (value.type() == GgufValueType.ARRAY) {
                List<?> elements = value.elements();
                u32(value.elementType().id());
                u64(elements.size());
                for (Object element : elements) {
                    scalar(value.elementType(), element);
                }
            } else {
                scalar(value.type(), value.value());
            }
        }

        private void scalar(GgufValueType type, Object v) {
            switch (type) {
                case UINT8, INT8 -> out.write((int) (long) (Long) v);
                case BOOL -> out.write((Boolean) v ? 1 : 0);
                case UINT16, INT16 -> {
                    long x = (Long) v;
                    out.write((int) (x & 0xFF));
                    out.write((int) ((x >> 8) & 0xFF));
                }
                case UINT32, INT32 -> u32((Long) v);
                case UINT64, INT64 -> u64((Long) v);
                case FLOAT32 -> u32(Float.floatToRawIntBits((Float) v));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) v));
                case STRING -> string((String) v);
                case ARRAY -> throw new IllegalArgumentException("nested arrays are not written");
            }
        }

        long size() {
            return out.size();
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
