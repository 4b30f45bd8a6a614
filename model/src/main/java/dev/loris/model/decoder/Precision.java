package dev.loris.model.decoder;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.gemm.GemmType;

/**
 * The storage type of weights and activations. BF16 is how models train and ship: bf16 storage, f32
 * accumulation in every GEMM and reduction, f32 norm statistics, f32 gradients of trained weights. F32
 * stores everything in f32: slower and twice the memory, for tests against transformers' f32 results.
 */
public enum Precision {
    BF16(BFloat16Array.class, GemmType.BF16),
    F32(FloatArray.class, GemmType.F32);

    /** The array class a device buffer of this precision holds. */
    public final Class<? extends TornadoNativeArray> arrayType;
    /** The GEMM operand type. */
    public final GemmType gemmType;

    Precision(Class<? extends TornadoNativeArray> arrayType, GemmType gemmType) {
        this.arrayType = arrayType;
        this.gemmType = gemmType;
    }
}
