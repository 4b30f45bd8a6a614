package dev.loris.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (v2 or v3, little-endian), memory-mapped read-only and checked in full when opened, with the
 * rules llama.cpp's gguf.cpp applies: magic and version, known value and tensor types, no duplicate or empty
 * keys, no arrays of arrays, tensor names under 64 bytes and unique, 1 to 4 dimensions, rows that split
 * into whole blocks, offsets aligned and each at the padded end of the one before, data inside the file.
 * Tensor data is a slice of the mapping ({@link #data}), never copied.
 */
public final class GgufFile implements AutoCloseable {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long MAX_STRING = 1L << 30;

    private final Path path;
    private final Arena arena;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final MemorySegment dataSection;

    private GgufFile(Path path, Arena arena, int version, GgufMetadata metadata, Map<String, GgufTensorInfo> tensors,
                     MemorySegment dataSection) {
        this.path = path;
        this.arena = arena;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataSection = dataSection;
    }

    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment content = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return parse(path, arena, content);
        } catch (IOException e) {
            arena.close();
            throw new GgufException("cannot read " + path + ": " + e, "check that the file exists and is readable", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment content) {
        Cursor in = new Cursor(path, content);
        if (content.byteSize() < 24 || in.u32() != GgufWriter.MAGIC) {
            throw in.broken("does not start with the GGUF magic");
        }
        int version = in.u32();
        if (version != 2 && version != 3) {
            throw in.broken("is GGUF version " + version + "; Loris reads versions 2 and 3");
        }
        long tensorCount = in.count("tensor count");
        long kvCount = in.count("metadata count");
        GgufMetadata metadata = new GgufMetadata();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string();
            if (key.isEmpty() || metadata.contains(key)) {
                throw in.broken("has an empty or repeated metadata key '" + key + "'");
            }
            GgufValueType type = in.valueType();
            metadata.put(key, in.value(type));
        }
        int alignment = metadata.find("general.alignment").map(v -> {
            if (v.type() != GgufValueType.UINT32 || Long.bitCount(v.asLong()) != 1) {
                throw in.broken("has general.alignment " + v + "; it must be a UINT32 power of two");
            }
            return (int) v.asLong();
        }).orElse(GgufWriter.DEFAULT_ALIGNMENT);
        List<GgufTensorInfo> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            infos.add(in.tensorInfo());
        }
        long dataStart = GgufWriter.pad(in.position, alignment);
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        long expectedOffset = 0;
        for (GgufTensorInfo info : infos) {
            if (byName.putIfAbsent(info.name(), info) != null) {
                throw in.broken("has two tensors named '" + info.name() + "'");
            }
            if (info.offset() != expectedOffset) {
                throw in.broken("puts tensor '" + info.name() + "' at offset " + info.offset() + ", expected "
                        + expectedOffset + " (data must follow the tensor infos' order, each padded to " + alignment + ")");
            }
            expectedOffset += GgufWriter.pad(info.byteSize(), alignment);
            if (dataStart + info.offset() + info.byteSize() > content.byteSize()) {
                throw in.broken("is truncated: tensor '" + info.name() + "' ends past the end of the file");
            }
        }
        MemorySegment data = content.asSlice(Math.min(dataStart, content.byteSize()));
        return new GgufFile(path, arena, version, metadata, Collections.unmodifiableMap(byName), data);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** The tensors in file order. */
    public List<GgufTensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    public GgufTensorInfo tensor(String name) {
        GgufTensorInfo info = tensors.get(name);
        if (info == null) {
            throw new GgufException(path + " has no tensor '" + name + "'", "check the tensor name");
        }
        return info;
    }

    /** The tensor's bytes, a read-only slice of the mapping. */
    public MemorySegment data(String name) {
        GgufTensorInfo info = tensor(name);
        return dataSection.asSlice(info.offset(), info.byteSize());
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Reads the header front to back, with bounds checked on every read. */
    private static final class Cursor {
        private final Path path;
        private final MemorySegment content;
        long position;

        Cursor(Path path, MemorySegment content) {
            this.path = path;
            this.content = content;
        }

        GgufException broken(String problem) {
            return new GgufException(path + " " + problem, "the file is damaged or not a GGUF file; export it again");
        }

        private void need(long bytes) {
            if (bytes < 0 || position + bytes > content.byteSize()) {
                throw broken("is truncated in its header (at byte " + position + ")");
            }
        }

        int u8() {
            need(1);
            return content.get(ValueLayout.JAVA_BYTE, position++) & 0xFF;
        }

        int u16() {
            need(2);
            int v = content.get(U16, position) & 0xFFFF;
            position += 2;
            return v;
        }

        int u32() {
            need(4);
            int v = content.get(U32, position);
            position += 4;
            return v;
        }

        long u64() {
            need(8);
            long v = content.get(U64, position);
            position += 8;
            return v;
        }

        long count(String what) {
            long n = u64();
            if (n < 0 || n > content.byteSize()) {
                throw broken("has an impossible " + what + " " + Long.toUnsignedString(n));
            }
            return n;
        }

        String string() {
            long length = u64();
            if (length < 0 || length > MAX_STRING) {
                throw broken("has a string of impossible length " + Long.toUnsignedString(length));
            }
            need(length);
            byte[] bytes = content.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
            position += length;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw broken("has a string that is not UTF-8 (at byte " + (position - length) + ")");
            }
        }

        GgufValueType valueType() {
            int id = u32();
            GgufValueType type = GgufValueType.fromId(id);
            if (type == null) {
                throw broken("has unknown metadata value type " + id);
            }
            return type;
        }

        GgufValue value(GgufValueType type) {
            if (type != GgufValueType.ARRAY) {
                return GgufValue.scalar(type, scalar(type));
            }
            GgufValueType elementType = valueType();
            if (elementType == GgufValueType.ARRAY) {
                throw broken("has an array of arrays, which llama.cpp does not read");
            }
            long n = count("array length");
            List<Object> elements = new ArrayList<>((int) Math.min(n, 1 << 20));
            for (long i = 0; i < n; i++) {
                elements.add(scalar(elementType));
            }
            return GgufValue.array(elementType, elements);
        }

        private Object scalar(GgufValueType type) {
            return switch (type) {
                case UINT8 -> (long) u8();
                case INT8 -> (long) (byte) u8();
                case UINT16 -> (long) u16();
                case INT16 -> (long) (short) u16();
                case UINT32 -> Integer.toUnsignedLong(u32());
                case INT32 -> (long) u32();
                case UINT64, INT64 -> u64();
                case FLOAT32 -> Float.intBitsToFloat(u32());
                case FLOAT64 -> Double.longBitsToDouble(u64());
                case BOOL -> {
                    int b = u8();
                    if (b > 1) {
                        throw broken("has a BOOL of value " + b);
                    }
                    yield b == 1;
                }
                case STRING -> string();
                case ARRAY -> throw new IllegalStateException();
            };
        }

        GgufTensorInfo tensorInfo() {
            String name = string();
            if (name.getBytes(StandardCharsets.UTF_8).length > GgufTensorInfo.MAX_NAME_BYTES) {
                throw broken("has a tensor name longer than 63 bytes: '" + name + "'");
            }
            int dims = u32();
            if (dims < 1 || dims > 4) {
                throw broken("gives tensor '" + name + "' " + dims + " dimensions (1 to 4 allowed)");
            }
            long[] ne = new long[dims];
            for (int d = 0; d < dims; d++) {
                ne[d] = u64();
                if (ne[d] < 0 || ne[d] > (1L << 40)) {
                    throw broken("gives tensor '" + name + "' an impossible dimension " + Long.toUnsignedString(ne[d]));
                }
            }
            int typeId = u32();
            GgmlType type = GgmlType.fromId(typeId);
            if (type == null) {
                throw broken("gives tensor '" + name + "' ggml type " + typeId + ", which Loris does not read");
            }
            if (!type.fits(ne[0])) {
                throw broken("gives tensor '" + name + "' rows of " + ne[0] + " elements, not a multiple of "
                        + type + "'s block of " + type.blockSize());
            }
            long offset = u64();
            return new GgufTensorInfo(name, type, ne, offset);
        }
    }
}
