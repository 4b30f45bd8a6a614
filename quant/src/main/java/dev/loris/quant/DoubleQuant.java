package dev.loris.quant;

import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;

import java.util.stream.LongStream;

/**
 * bitsandbytes' double quantisation of 4-bit absmax (quantize_4bit with compress_statistics=True):
 * offset = mean(absmax), then quantize_blockwise(absmax - offset, blocksize=256) with the signed dynamic map:
 * per 256 values a float32 nested absmax = max |v|, and each v stored as {@link DynamicMap#encode}(v * (1 /
 * nested absmax)). The mean is {@link ExactMean}'s (see there for why not torch's float32 reduction); the
 * reciprocal is an IEEE division where CUDA bitsandbytes uses rcp.approx (see {@link FourBitQuantizer}).
 */
final class DoubleQuant {
    private DoubleQuant() {
    }

    /** @param absmax (blocks) f32 */
    static Absmax.Nested quantize(FloatArray absmax) {
        long blocks = absmax.length();
        float offset = ExactMean.of(absmax);
        float[] map = DynamicMap.code();
        long nestedBlocks = (blocks + Absmax.NESTED_BLOCK_SIZE - 1) / Absmax.NESTED_BLOCK_SIZE;
        ByteArray codes = new ByteArray(blocks);                  // (blocks) u8
        FloatArray nestedAbsmax = new FloatArray(nestedBlocks);   // (ceil(blocks / 256)) f32
        LongStream.range(0, nestedBlocks).parallel().forEach(nested -> {
            long start = nested * Absmax.NESTED_BLOCK_SIZE;
            long end = Math.min(start + Absmax.NESTED_BLOCK_SIZE, blocks);
            float max = 0f;
            for (long b = start; b < end; b++) {
                float a = Math.abs(absmax.get(b) - offset);
                max = a > max ? a : max;
            }
            nestedAbsmax.set(nested, max);
            float inverse = 1f / max;
            for (long b = start; b < end; b++) {
                codes.set(b, (byte) DynamicMap.encode(map, (absmax.get(b) - offset) * inverse));
            }
        });
        return new Absmax.Nested(codes, nestedAbsmax, FloatArray.fromArray(map), offset);
    }
}
