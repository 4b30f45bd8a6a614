package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Running and checking {@link TestPtx#KERNELS}' vectorAdd in the GPU tests: random inputs, NaN poison,
 * launch shape, and an exact comparison with Java's float addition (add.rn rounds the same way).
 */
final class VectorAdd {
    static final int BLOCK = 256;
    static final int NAN_BITS = Float.floatToRawIntBits(Float.NaN);

    private VectorAdd() {
    }

    /** Fills {@code floats} with values in [-1, 1). */
    static void randomize(MemorySegment floats, Random random) {
        long count = floats.byteSize() / Float.BYTES;
        for (long i = 0; i < count; i++) {
            floats.setAtIndex(JAVA_FLOAT, i, random.nextFloat() * 2 - 1);
        }
    }

    static void poison(MemorySegment floats) {
        long count = floats.byteSize() / Float.BYTES;
        for (long i = 0; i < count; i++) {
            floats.setAtIndex(JAVA_FLOAT, i, Float.NaN);
        }
    }

    static void launch(CudaFunction vectorAdd, CudaStream stream, CudaBuffer a, CudaBuffer b, CudaBuffer c, int n) {
        vectorAdd.launch(Dim3.of((n + BLOCK - 1) / BLOCK), Dim3.of(BLOCK), 0, stream,
                KernelArgs.create().pointer(a).pointer(b).pointer(c).i32(n));
    }

    /** c[i] == a[i] + b[i] exactly for i &lt; n, and c[i] still NaN from n to c's end. */
    static void assertSums(MemorySegment a, MemorySegment b, MemorySegment c, int n, long seed) {
        for (int i = 0; i < n; i++) {
            float x = a.getAtIndex(JAVA_FLOAT, i);
            float y = b.getAtIndex(JAVA_FLOAT, i);
            float sum = c.getAtIndex(JAVA_FLOAT, i);
            if (Float.floatToRawIntBits(x + y) != Float.floatToRawIntBits(sum)) {
                fail("seed " + seed + ", n " + n + ": c[" + i + "] = " + sum + ", expected " + x + " + " + y
                        + " = " + (x + y) + " (exact match required)");
            }
        }
        long length = c.byteSize() / Float.BYTES;
        for (long i = n; i < length; i++) {
            if (!Float.isNaN(c.getAtIndex(JAVA_FLOAT, i))) {
                fail("seed " + seed + ", n " + n + ": c[" + i + "] past n was written: " + c.getAtIndex(JAVA_FLOAT, i));
            }
        }
    }
}
