package dev.loris.tornado.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.loris.tornado.gemm.JvmGemmKernel.LANES;
import static dev.loris.tornado.gemm.JvmGemmKernel.SPECIES;

/**
 * Copies blocks of A and B out of their arrays into the f32 panels {@link JvmGemmKernel} reads, converting
 * f16 and bf16 on the way (both exactly: every f16 and bf16 value is an f32). Packing is what makes any
 * layout fast: whatever the transposes and leading dimensions, the kernel sees unit-stride panels, and a
 * block is converted once per tile instead of once per use.
 *
 * <p>A and B are both seen as "lines" (rows of op(A), columns of op(B)) by "depth" (the k index). A panel of
 * {@code width} lines stores, for each depth step, {@code width} consecutive floats; lines past the block's
 * end are zero, so edge tiles run the same kernel. Stored elements are little-endian, as every Loris array.
 * bf16 and f32 runs are converted with vectors; f16 element by element (the Vector API has no f16
 * conversion yet; {@link Float#float16ToFloat} is an intrinsic).
 */
final class JvmGemmPacking {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort BITS16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(LANES * Short.SIZE));
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    private JvmGemmPacking() {
    }

    /**
     * Packs lines {@code [line0, line0 + lines)} by depth {@code [p0, p0 + depth)} into {@code dst} as panels
     * of {@code width} lines (panel q at {@code q * width * depth}). Element (line l, depth p) is stored at
     * {@code base + p * ld + l} when {@code acrossLines} (consecutive lines adjacent), else at
     * {@code base + l * ld + p}.
     */
    static void pack(float[] dst, int width, MemorySegment src, GemmType type, long base, long ld,
                     boolean acrossLines, int line0, int lines, long p0, int depth) {
        for (int panel = 0; panel < lines; panel += width) {
            int offset = panel * depth;
            int filled = Math.min(width, lines - panel);
            long first = line0 + panel;
            if (acrossLines) {
                for (int p = 0; p < depth; p++) {
                    int at = offset + p * width;
                    convert(type, src, base + (p0 + p) * ld + first, filled, dst, at);
                    Arrays.fill(dst, at + filled, at + width, 0f);
                }
            } else {
                for (int l = 0; l < filled; l++) {
                    convertStrided(type, src, base + (first + l) * ld + p0, depth, dst, offset + l, width);
                }
                for (int l = filled; l < width; l++) {
                    for (int p = 0; p < depth; p++) {
                        dst[offset + l + p * width] = 0f;
                    }
                }
            }
        }
    }

    /** {@code count} consecutive elements from element {@code index} of {@code src}, as floats into {@code dst}. */
    static void convert(GemmType type, MemorySegment src, long index, int count, float[] dst, int at) {
        int i = 0;
        switch (type) {
            case F32 -> {
                for (; i <= count - LANES; i += LANES) {
                    FloatVector.fromMemorySegment(SPECIES, src, (index + i) * 4, ByteOrder.LITTLE_ENDIAN)
                            .intoArray(dst, at + i);
                }
                for (; i < count; i++) {
                    dst[at + i] = src.getAtIndex(F32, index + i);
                }
            }
            case BF16 -> {
                for (; i <= count - LANES; i += LANES) {
                    ShortVector bits = ShortVector.fromMemorySegment(SHORTS, src, (index + i) * 2,
                            ByteOrder.LITTLE_ENDIAN);
                    ((IntVector) bits.convertShape(VectorOperators.S2I, INTS, 0))
                            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, at + i);
                }
                for (; i < count; i++) {
                    dst[at + i] = Float.intBitsToFloat(src.getAtIndex(BITS16, index + i) << 16);
                }
            }
            case F16 -> {
                for (; i < count; i++) {
                    dst[at + i] = Float.float16ToFloat(src.getAtIndex(BITS16, index + i));
                }
            }
        }
    }

    /** {@link #convert} into every {@code stride}-th float of {@code dst}: a transposing copy. */
    private static void convertStrided(GemmType type, MemorySegment src, long index, int count, float[] dst,
                                       int at, int stride) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    dst[at + i * stride] = src.getAtIndex(F32, index + i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[at + i * stride] = Float.intBitsToFloat(src.getAtIndex(BITS16, index + i) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[at + i * stride] = Float.float16ToFloat(src.getAtIndex(BITS16, index + i));
                }
            }
        }
    }
}
