package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;


import static org.junit.jupiter.api.Assertions.assertEquals;

/** NF4 dequantisation, f32 and bf16, exact against the byte-by-byte reference; odd counts included. */
class Nf4Test {
    /** Random packed codes, absmax per block and an element count that may end mid-byte and mid-block. */
    private record Weights(int n, byte[] packed, float[] absmax) {
        static Weights draw(SuiteInputs in) {
            int n = in.between(1, 50_000);
            byte[] packed = new byte[(n + 1) / 2];
            in.random.nextBytes(packed);
            float[] absmax = new float[(n + Nf4.BLOCK_SIZE - 1) / Nf4.BLOCK_SIZE];
            for (int b = 0; b < absmax.length; b++) {
                absmax[b] = in.random.nextFloat() * 0.2f;
            }
            return new Weights(n, packed, absmax);
        }
    }

    @AcrossBackends
    void f32IsExact(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        Weights w = Weights.draw(in);
        FloatArray out = SuiteInputs.poisonedFloats(w.n);
        backend.run(SuiteInputs.kernel(Nf4.class, "dequantize"), in.strideGrid(w.n, 256), new int[] {256},
                ByteArray.fromArray(w.packed), FloatArray.fromArray(w.absmax), out, (long) w.n);
        float[] expected = Nf4.dequantizeReference(w.packed, Nf4.nf4Code(), w.absmax, w.n);
        for (int i = 0; i < w.n; i++) {
            assertEquals(expected[i], out.get(i), 0f, in.at(backend, "element " + i + " of " + w.n));
        }
    }

    @AcrossBackends
    void bf16IsTheF32ValueRoundedOnce(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        Weights w = Weights.draw(in);
        BFloat16Array out = SuiteInputs.poisonedBf16(w.n);
        backend.run(SuiteInputs.kernel(Nf4.class, "dequantizeBf16"), in.strideGrid(w.n, 128),
                new int[] {128}, ByteArray.fromArray(w.packed), FloatArray.fromArray(w.absmax), out, (long) w.n);
        float[] expected = Nf4.dequantizeReference(w.packed, Nf4.nf4Code(), w.absmax, w.n);
        for (int i = 0; i < w.n; i++) {
            assertEquals(TornadoMath.floatToBfloat16(expected[i]), out.get(i),
                    in.at(backend, "element " + i + " of " + w.n));
        }
    }
}
