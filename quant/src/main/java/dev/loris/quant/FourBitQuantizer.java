package dev.loris.quant;

import dev.loris.model.safetensors.Dtype;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;

import java.lang.foreign.MemorySegment;
import java.util.stream.LongStream;

/**
 * Host quantisation to bitsandbytes' 4-bit layout, byte-compatible with its CUDA quantiser
 * (kQuantizeBlockwise / kQuantizeBlockwiseSmall): per block of the flattened tensor, absmax = max |x| (0 for an
 * all-zero block), s = x * (1 / absmax) in float32, the code from {@link FourBitType#encode}, two codes per byte
 * with the first in the high nibble; an odd count quantises 0.0 into the last low nibble, as the kernel's
 * zero padding does. With double quantisation the absmax values go through {@link DoubleQuant}.
 *
 * <p>One difference from a CUDA build of bitsandbytes, which uses --use_fast_math: there 1 / absmax is
 * rcp.approx (within an ulp), here an IEEE division, so a value whose s lands within an ulp of a decision
 * threshold may get the neighbouring code. bitsandbytes' CPU backend divides exactly, as Loris does.
 *
 * <p>Parallel over chunks of blocks on the common fork-join pool; each value is read once in place (memory-
 * mapped), nothing is allocated per value.
 */
public final class FourBitQuantizer {
    /** Values per parallel task: large enough to amortise scheduling, small enough to balance 16 cores. */
    private static final long VALUES_PER_TASK = 1 << 18;

    private FourBitQuantizer() {
    }

    /**
     * Quantises the {@code dtype} values in {@code data} (row-major, {@code shape}) as {@code scheme} says.
     * {@code data} is read from worker threads: a mapped file, a heap segment or a shared/global arena's.
     */
    public static FourBitTensor quantize(String name, MemorySegment data, Dtype dtype, long[] shape,
                                         QuantScheme.FourBit scheme) {
        long n = FourBitTensor.elementCount(shape);
        SourceValues source = new SourceValues(data, dtype, n, name);
        int blocksize = scheme.blocksize();
        long blocks = (n + blocksize - 1) / blocksize;
        ByteArray packed = new ByteArray((n + 1) / 2);      // (ceil(n/2)) u8
        FloatArray absmax = new FloatArray(blocks);         // (blocks) f32
        long blocksPerTask = Math.max(1, VALUES_PER_TASK / blocksize);
        long tasks = (blocks + blocksPerTask - 1) / blocksPerTask;
        LongStream.range(0, tasks).parallel().forEach(task -> {
            long last = Math.min(blocks, (task + 1) * blocksPerTask);
            for (long block = task * blocksPerTask; block < last; block++) {
                quantizeBlock(source, scheme.type(), blocksize, block, packed, absmax);
            }
        });
        Absmax scales = scheme.doubleQuant() ? DoubleQuant.quantize(absmax) : new Absmax.Plain(absmax);
        return new FourBitTensor(scheme.type(), blocksize, shape, source.torchName(), packed, scales);
    }

    private static void quantizeBlock(SourceValues source, FourBitType type, int blocksize, long block,
                                      ByteArray packed, FloatArray absmax) {
        long n = source.count();
        long start = block * blocksize;
        long end = Math.min(start + blocksize, n);
        float max = 0f;
        for (long i = start; i < end; i++) {
            float a = Math.abs(source.get(i));
            max = a > max ? a : max; // fmaxf: a NaN never wins
        }
        absmax.set(block, max);
        float inverse = 1f / max;
        for (long i = start; i < end; i += 2) {
            int high = type.encode(source.get(i) * inverse);
            int low = type.encode(i + 1 < n ? source.get(i + 1) * inverse : 0f * inverse);
            packed.set(i >>> 1, (byte) (high << 4 | low));
        }
    }
}
