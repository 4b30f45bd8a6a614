package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/**
 * Turns rows of floats into one ggml type's bytes, exactly as llama.cpp's reference quantisers do
 * ({@code quantize_row_*_ref} in ggml-quants.c: what llama-quantize uses without an importance matrix), and
 * back. Implementations are stateless and thread-safe; the exporter runs one row range per thread.
 */
public interface BlockQuantizer {
    GgmlType type();

    /** Quantises {@code n} values (a multiple of the block size) from {@code x[xOffset]} into {@code out[outOffset]}. */
    void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset);

    /** Widens {@code n} values back to floats, as ggml's dequantize_row_* does. */
    void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset);

    /** The quantiser of a type Loris writes. */
    static BlockQuantizer of(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16 -> new FloatTypes(type);
            case Q8_0 -> new Q8_0();
            case Q4_0 -> new Q4_0();
            case Q5_0 -> new Q5_0();
            case Q5_1 -> new Q5_1();
            case Q4_K -> new Q4K();
            case Q5_K -> new Q5K();
            case Q6_K -> new Q6K();
            case Q4_1 -> throw new IllegalArgumentException("Loris does not write Q4_1");
        };
    }
}
