package dev.loris.quant;

import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;

/**
 * The per-block scales of a 4-bit tensor, in one of bitsandbytes' two forms, on the host.
 *
 * <p>{@link Plain}: one float32 absmax per block (compress_statistics=False). {@link Nested}: double
 * quantisation (compress_statistics=True, QLoRA's default): the absmax values minus their mean are stored as
 * 8-bit codes of the dynamic map in blocks of {@link #NESTED_BLOCK_SIZE}, with one float32 absmax per such
 * block; bitsandbytes reconstructs absmax_b = code[q_b] * nested[b / 256] + offset, a float32 product then a
 * float32 sum (dequantize_blockwise, then {@code absmax += offset}), which {@link #at} repeats exactly.
 */
public sealed interface Absmax permits Absmax.Plain, Absmax.Nested {
    /** bitsandbytes' nested blocksize (quantize_4bit passes 256 to quantize_blockwise). */
    int NESTED_BLOCK_SIZE = 256;

    /** Number of blocks. */
    long blocks();

    /** The absmax block {@code block} is dequantised with, as bitsandbytes computes it. */
    float at(long block);

    /** The bytes these scales occupy. */
    long bytes();

    /** @param values (blocks) f32 */
    record Plain(FloatArray values) implements Absmax {
        @Override
        public long blocks() {
            return values.length();
        }

        @Override
        public float at(long block) {
            return values.get(block);
        }

        @Override
        public long bytes() {
            return values.getNumBytesOfSegment();
        }
    }

    /**
     * @param codes        (blocks) u8, dynamic-map codes of absmax - offset
     * @param nestedAbsmax (ceil(blocks / 256)) f32
     * @param nestedCode   (256) f32, the dynamic map the codes index (nested_quant_map)
     * @param offset       the mean of the absmax values
     */
    record Nested(ByteArray codes, FloatArray nestedAbsmax, FloatArray nestedCode, float offset) implements Absmax {
        @Override
        public long blocks() {
            return codes.length();
        }

        @Override
        public float at(long block) {
            float scaled = nestedCode.get(codes.get(block) & 0xFF) * nestedAbsmax.get(block / NESTED_BLOCK_SIZE);
            return scaled + offset;
        }

        @Override
        public long bytes() {
            return codes.getNumBytesOfSegment() + nestedAbsmax.getNumBytesOfSegment()
                    + nestedCode.getNumBytesOfSegment() + Float.BYTES;
        }
    }
}
