package dev.loris.quant;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;

import java.util.stream.LongStream;

/**
 * An 8-bit weight on the host as bitsandbytes' Int8Params stores it (LLM.int8, row-major "row" format): CB,
 * int8 codes, and SCB, one float32 absmax per row. Dequantisation is int8_vectorwise_dequant:
 * {@code (q * SCB[row]) * 7.874015718698502e-3} (1/127), two float32 roundings.
 *
 * <p>{@link #quantize} is Int8Params._quantize: the weight converted to float16 first (ties to even, overflow
 * to infinity), the row's absmax taken over those float16 values, q = round-half-even(x * (127 / absmax)).
 * CUDA bitsandbytes divides with __fdividef (approximate); the division here is IEEE, as in its CPU backend,
 * so a value within an ulp of a .5 boundary may round the other way. An all-zero row gives SCB 0 and codes 0.
 *
 * @param codes (rows, cols) i8 row-major
 * @param scb   (rows) f32
 */
public record Int8Tensor(long rows, long cols, ByteArray codes, FloatArray scb) implements QuantizedTensor {
    /** float32(7.874015718698502e-3), the factor int8_vectorwise_dequant multiplies by. */
    public static final float INVERSE_127 = 7.874015718698502e-3f;

    public Int8Tensor {
        if (codes.length() != rows * cols || scb.length() != rows) {
            throw new IllegalArgumentException(rows + " x " + cols + " int8 needs " + rows * cols + " codes and "
                    + rows + " scales, got " + codes.length() + " and " + scb.length());
        }
    }

    /** Value (row, col) dequantised in float32, as bitsandbytes computes it. */
    public float value(long row, long col) {
        return codes.get(row * cols + col) * scb.get(row) * INVERSE_127;
    }

    /** Value (row, col) dequantised to bf16 bits. */
    public short valueBf16(long row, long col) {
        return TornadoMath.floatToBfloat16(value(row, col));
    }

    @Override
    public long[] shape() {
        return new long[] {rows, cols};
    }

    @Override
    public long bytes() {
        return codes.getNumBytesOfSegment() + scb.getNumBytesOfSegment();
    }

    /** Quantises {@code source} (rows x cols, row-major), rows in parallel. */
    static Int8Tensor quantize(SourceValues source, long rows, long cols) {
        ByteArray codes = new ByteArray(rows * cols);  // (rows, cols) i8
        FloatArray scb = new FloatArray(rows);         // (rows) f32
        LongStream.range(0, rows).parallel().forEach(row -> {
            long start = row * cols;
            float max = 0f;
            for (long i = start; i < start + cols; i++) {
                float a = Math.abs(toHalf(source.get(i)));
                max = a > max ? a : max;
            }
            scb.set(row, max);
            float scale = 127f / max;
            for (long i = start; i < start + cols; i++) {
                codes.set(i, (byte) Math.rint(toHalf(source.get(i)) * scale)); // NaN (0 * inf) narrows to 0
            }
        });
        return new Int8Tensor(rows, cols, codes, scb);
    }

    private static float toHalf(float x) {
        return TornadoMath.halfToFloat(TornadoMath.floatToHalf(x));
    }
}
