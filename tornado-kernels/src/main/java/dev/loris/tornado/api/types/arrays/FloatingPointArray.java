package dev.loris.tornado.api.types.arrays;

/**
 * The floating-point arrays (f32, bf16, f16) seen as float values, so one kernel source serves every element
 * type: a kernel declares a parameter as {@code FloatingPointArray}, reads with {@link #getFloat}, writes with
 * {@link #setFloat} (rounding to the element type, ties to even) and rounds an intermediate result to the
 * element type's precision with {@link #round} where a model rounds it (Hugging Face's bf16 chains).
 *
 * <p>Accelerators compile one specialisation per element type: the caller fixes each such parameter's array
 * class as it fixes scalar constants ({@code Accelerator.compile(kernel, Map.of(1, BFloat16Array.class))}),
 * and the compiler turns the calls into the loads, stores and conversions of that type, so the specialised
 * kernel is what a hand-written copy for that type would be. The JVM backend runs the same Java method.
 */
public sealed interface FloatingPointArray permits FloatArray, BFloat16Array, HalfFloatArray {
    float getFloat(int index);

    float getFloat(long index);

    /** Stores {@code value} rounded to the element type (to nearest, ties to even; exact for f32). */
    void setFloat(int index, float value);

    void setFloat(long index, float value);

    /** {@code value} rounded to the element type's precision and back: identity for f32. */
    float round(float value);

    /** Number of elements. */
    long length();

    /** Number of elements as an int, for arrays below 2^31 elements. */
    int getSize();
}
