package dev.loris.tornado.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
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
 * Elements are always read in runs along their stored rows and converted to f32 with vectors (f16 element
 * by element: the Vector API has no f16 conversion yet, {@link Float#float16ToFloat} is an intrinsic); a
 * panel whose lines are stored rows (B transposed, A not) is then transposed out of a scratch buffer with
 * gathers, which made a linear layer's B^T packing several times cheaper than element-wise copies.
 */
final class JvmGemmPacking {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort BITS16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(LANES * Short.SIZE));
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    /** Whether masked gathers compile to instructions: AVX-512, which 512-bit vectors imply on x86. */
    private static final boolean MASKED_GATHERS = SPECIES.vectorBitSize() >= 512;

    private JvmGemmPacking() {
    }

    /**
     * Packs lines {@code [line0, line0 + lines)} by depth {@code [p0, p0 + depth)} into {@code dst} as panels
     * of {@code width} lines (panel q at {@code q * width * depth}). Element (line l, depth p) is stored at
     * {@code base + p * ld + l} when {@code acrossLines} (consecutive lines adjacent), else at
     * {@code base + l * ld + p}. {@code scratch} holds {@code max(lines, width * depth)} floats,
     * {@code index} {@link JvmGemmKernel#LANES} ints.
     */
    static void pack(float[] dst, int width, MemorySegment src, GemmType type, long base, long ld,
                     boolean acrossLines, int line0, int lines, long p0, int depth, float[] scratch, int[] index) {
        if (acrossLines) {
            packAcrossLines(dst, width, src, type, base + p0 * ld + line0, ld, lines, depth, scratch);
        } else {
            for (int panel = 0; panel < lines; panel += width) {
                int filled = Math.min(width, lines - panel);
                for (int l = 0; l < filled; l++) {
                    convert(type, src, base + (line0 + panel + l) * ld + p0, depth, scratch, l * depth);
                }
                transpose(scratch, filled, depth, dst, panel * depth, width, index);
            }
        }
    }

    /** Each depth step's run of lines is converted whole, then dealt out to the panels, zero-padded. */
    private static void packAcrossLines(float[] dst, int width, MemorySegment src, GemmType type, long first,
                                        long ld, int lines, int depth, float[] scratch) {
        for (int p = 0; p < depth; p++) {
            convert(type, src, first + p * ld, lines, scratch, 0);
            for (int panel = 0; panel < lines; panel += width) {
                int filled = Math.min(width, lines - panel);
                int at = panel * depth + p * width;
                System.arraycopy(scratch, panel, dst, at, filled);
                Arrays.fill(dst, at + filled, at + width, 0f);
            }
        }
    }

    /**
     * One panel from {@code count} converted lines of {@code depth} floats each ({@code lines[l * depth + p]}):
     * a gather per depth step and group of LANES lines; with 512-bit vectors one masked gather more takes
     * the lines left (an A panel's 8 lines, the last B panel's few) and writes zeros up to {@code width}.
     * Elsewhere the lines left are copied one by one: AVX2 has no masked gather C2 compiles, and a second,
     * narrower species would make the gathers' shared code polymorphic, which stops C2 from compiling it.
     */
    private static void transpose(float[] lines, int count, int depth, float[] dst, int at, int width, int[] index) {
        for (int i = 0; i < LANES; i++) {
            index[i] = i * depth;
        }
        int l = 0;
        for (; l + LANES <= count; l += LANES) {
            for (int p = 0; p < depth; p++) {
                FloatVector.fromArray(SPECIES, lines, l * depth + p, index, 0).intoArray(dst, at + p * width + l);
            }
        }
        if (MASKED_GATHERS && l < count) {
            VectorMask<Float> read = SPECIES.indexInRange(l, count);
            VectorMask<Float> write = SPECIES.indexInRange(l, width);
            for (int p = 0; p < depth; p++) {
                FloatVector.fromArray(SPECIES, lines, l * depth + p, index, 0, read)
                        .intoArray(dst, at + p * width + l, write);
            }
            l = Math.min(l + LANES, width);
        }
        for (; l < width; l++) {
            for (int p = 0; p < depth; p++) {
                dst[at + p * width + l] = l < count ? lines[l * depth + p] : 0f;
            }
        }
    }

    /**
     * {@code count} consecutive elements from element {@code index} of {@code src}, as floats into {@code dst}.
     * One small method per type, so that C2 inlines each one's memory accesses on its own budget (a single
     * method with all three lost the f16 loop's inlining, a fourfold slowdown, once all three had run).
     */
    static void convert(GemmType type, MemorySegment src, long index, int count, float[] dst, int at) {
        switch (type) {
            case F32 -> convertF32(src, index, count, dst, at);
            case BF16 -> convertBf16(src, index, count, dst, at);
            case F16 -> convertF16(src, index, count, dst, at);
        }
    }

    private static void convertF32(MemorySegment src, long index, int count, float[] dst, int at) {
        int i = 0;
        for (; i <= count - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, src, (index + i) * 4, ByteOrder.LITTLE_ENDIAN)
                    .intoArray(dst, at + i);
        }
        for (; i < count; i++) {
            dst[at + i] = src.getAtIndex(F32, index + i);
        }
    }

    /** bf16 is the top half of an f32: widen and shift. */
    private static void convertBf16(MemorySegment src, long index, int count, float[] dst, int at) {
        int i = 0;
        for (; i <= count - LANES; i += LANES) {
            ShortVector bits = ShortVector.fromMemorySegment(SHORTS, src, (index + i) * 2, ByteOrder.LITTLE_ENDIAN);
            ((IntVector) bits.convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, at + i);
        }
        for (; i < count; i++) {
            dst[at + i] = Float.intBitsToFloat(src.getAtIndex(BITS16, index + i) << 16);
        }
    }

    private static void convertF16(MemorySegment src, long index, int count, float[] dst, int at) {
        for (int i = 0; i < count; i++) {
            dst[at + i] = Float.float16ToFloat(src.getAtIndex(BITS16, index + i));
        }
    }
}
