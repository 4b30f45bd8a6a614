package dev.loris.gguf;

/**
 * The ggml tensor types Loris writes and reads, with their ids in a GGUF tensor info, elements per block and
 * bytes per block (ggml-common.h). A row of {@code n} elements takes {@code n / blockSize * blockBytes} bytes;
 * {@code n} must be a multiple of the block size.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int id() {
        return id;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /** Whether a row of {@code rowLength} elements splits into whole blocks of this type. */
    public boolean fits(long rowLength) {
        return rowLength % blockSize == 0;
    }

    /** Bytes of one row of {@code rowLength} elements (a multiple of the block size). */
    public long rowBytes(long rowLength) {
        if (!fits(rowLength)) {
            throw new IllegalArgumentException(this + " needs rows of a multiple of " + blockSize
                    + " elements, not " + rowLength);
        }
        return rowLength / blockSize * blockBytes;
    }

    /** Whether this is a block-quantised type (not F32, F16 or BF16). */
    public boolean quantized() {
        return blockSize > 1;
    }

    /** The type with GGUF id {@code id}, or null when Loris does not know it. */
    public static GgmlType fromId(int id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }
}
