package dev.loris.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a GGUF file: its name (under 64 bytes), ggml type and dimensions in ggml order
 * ({@code ne[0]} is the row length, the contiguous axis: a torch weight [out, in] is ne = [in, out]).
 *
 * @param offset where its data starts, relative to the start of the data section (set by the writer, or read)
 */
public record GgufTensorInfo(String name, GgmlType type, long[] ne, long offset) {
    /** llama.cpp's GGML_MAX_NAME, the terminating NUL included. */
    public static final int MAX_NAME_BYTES = 63;

    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        ne = ne.clone();
        if (ne.length < 1 || ne.length > 4) {
            throw new IllegalArgumentException(name + ": GGUF tensors have 1 to 4 dimensions, not " + ne.length);
        }
    }

    /** A tensor to be written, at an offset the writer assigns. */
    public GgufTensorInfo(String name, GgmlType type, long[] ne) {
        this(name, type, ne, -1);
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public long rowLength() {
        return ne[0];
    }

    /** Rows: the product of every dimension but the first. */
    public long rows() {
        long rows = 1;
        for (int i = 1; i < ne.length; i++) {
            rows *= ne[i];
        }
        return rows;
    }

    public long elementCount() {
        return rowLength() * rows();
    }

    /** Bytes of the data, unpadded. */
    public long byteSize() {
        return type.rowBytes(ne[0]) * rows();
    }

    GgufTensorInfo at(long newOffset) {
        return new GgufTensorInfo(name, type, ne, newOffset);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(ne, t.ne) && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(ne), offset);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(ne);
    }
}
