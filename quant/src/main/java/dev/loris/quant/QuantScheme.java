package dev.loris.quant;

import dev.loris.LorisException;

/**
 * How to quantise a 16-bit weight while loading it: 4-bit as bitsandbytes' Params4bit does, or 8-bit as its
 * Int8Params (LLM.int8) does. {@link #LOAD_IN_4BIT} and {@link #LOAD_IN_8BIT} are the command line's
 * {@code --load-in-4bit} / {@code --load-in-8bit}: NF4 with double quantisation and blocksize 64 is what
 * QLoRA and Unsloth use (transformers' own default quant type is fp4; pass it explicitly for that).
 */
public sealed interface QuantScheme permits QuantScheme.FourBit, QuantScheme.Int8 {
    /** NF4, blocksize 64, double quantisation: QLoRA's setting. */
    FourBit LOAD_IN_4BIT = new FourBit(FourBitType.NF4, 64, true);
    /** Per-row absmax int8 (LLM.int8 without outlier decomposition, which only matters at matmul time). */
    Int8 LOAD_IN_8BIT = new Int8();

    /**
     * @param type        NF4 or FP4
     * @param blocksize   values per absmax: 32 ... 4096, a power of two (quantize_4bit's list)
     * @param doubleQuant compress_statistics: store absmax as 8-bit codes (bnb_4bit_use_double_quant)
     */
    record FourBit(FourBitType type, int blocksize, boolean doubleQuant) implements QuantScheme {
        public FourBit {
            requireBlocksize(blocksize, "the 4-bit quantisation setting");
        }
    }

    record Int8() implements QuantScheme {
    }

    /** bitsandbytes' quantize_4bit/dequantize_4bit accept exactly 32, 64, ..., 4096. */
    static void requireBlocksize(int blocksize, String what) {
        if (blocksize < 32 || blocksize > 4096 || Integer.bitCount(blocksize) != 1) {
            throw new LorisException(what + " has blocksize " + blocksize + ", which bitsandbytes does not allow",
                    "use a power of two from 32 to 4096 (64 is bitsandbytes' default)");
        }
    }
}
