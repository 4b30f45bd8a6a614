package dev.loris.quant;

/** A quantised weight on the host, in bitsandbytes' layout: 4-bit ({@link FourBitTensor}) or 8-bit ({@link Int8Tensor}). */
public sealed interface QuantizedTensor permits FourBitTensor, Int8Tensor {
    /** The weight's shape as the 16-bit tensor had it ((out, in) for a linear layer). */
    long[] shape();

    /** Bytes of storage (codes and scales). */
    long bytes();
}
