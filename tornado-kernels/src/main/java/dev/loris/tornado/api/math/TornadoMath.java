package dev.loris.tornado.api.math;

/**
 * Math for kernels (TornadoVM's name): the functions our compiler maps to device instructions, with plain
 * Java bodies that define the result on the JVM backend. Kernels may call {@link Math} too, but these names
 * carry the accuracy contract below and add rsqrt, clamp and the f16/bf16 conversions.
 *
 * <p>On the JVM, float versions compute in double and round once to float, so they are within 1 ulp and
 * almost always correctly rounded; double versions are {@link Math}'s. min/max propagate NaN and order
 * -0.0 below +0.0, as {@link Math#min}/{@link Math#max}.
 *
 * <table>
 * <caption>Accuracy per backend ("exact" = IEEE 754 correctly rounded; ulp bounds are for float unless
 * noted)</caption>
 * <tr><th>Functions</th><th>JVM</th><th>PTX (NVIDIA)</th><th>OpenCL</th></tr>
 * <tr><td>sqrt, and the / operator</td><td>exact</td><td>exact (sqrt.rn, div.rn)</td>
 *     <td>exact when the device supports -cl-fp32-correctly-rounded-divide-sqrt, otherwise the spec's bounds:
 *     sqrt 3 ulp, divide 2.5 ulp; double always exact</td></tr>
 * <tr><td>rsqrt</td><td>1/sqrt in double, rounded once (within 1 ulp)</td>
 *     <td>sqrt.rn then div.rn; rsqrt.approx only with fast-math</td>
 *     <td>rsqrt, 2 ulp (spec)</td></tr>
 * <tr><td>fma</td><td>exact</td><td>exact (fma.rn)</td><td>exact (spec)</td></tr>
 * <tr><td>min, max, abs, floor, ceil, clamp</td><td>exact</td><td>exact</td>
 *     <td>exact; fmin/fmax return the other operand when one is NaN</td></tr>
 * <tr><td>halfToFloat, floatToHalf, bfloat16ToFloat, floatToBfloat16, packBfloat16, floatToIntBits, intBitsToFloat</td>
 *     <td>exact</td><td>exact</td><td>exact</td></tr>
 * <tr><td>exp, log, sin, cos, tanh, pow (float)</td>
 *     <td>computed in double by {@link Math} and rounded once: within 1 ulp, almost always correctly
 *     rounded</td>
 *     <td>by default {@link PortableMath}'s software versions, inlined by the compiler: within 1 ulp (see the
 *     next table). With the opt-in fast-math flag the .approx instructions: ex2 (exp; relative error about
 *     2^-22 plus up to |x| * 2^-24 from rounding x log2 e), lg2 times ln 2 (log; about 2^-22 absolute),
 *     sin/cos (about 2^-21 absolute near 0, growing with |x|), tanh (about 2^-11 relative); pow stays
 *     PortableMath's</td>
 *     <td>by default PortableMath's, as on PTX and with the same bits; with fast-math native_exp,
 *     native_log, native_sin, native_cos (device-defined accuracy), the tanh built-in (5 ulp), pow still
 *     PortableMath's</td></tr>
 * <tr><td>exp, log, sin, cos, tanh, pow (double)</td>
 *     <td>{@link Math}'s: within 1 ulp (tanh 2.5)</td>
 *     <td>not available yet (a compile error)</td>
 *     <td>the built-ins, with the OpenCL spec's bounds (exp, log 3 ulp; sin, cos 4; tanh 5; pow 16)</td></tr>
 * </table>
 *
 * <table>
 * <caption>PortableMath, measured against the correctly rounded result (StrictMath in double, rounded once)
 * </caption>
 * <tr><th>function</th><th>arguments checked</th><th>max error</th></tr>
 * <tr><td>exp, log, tanh</td><td>every float</td><td>1 ulp</td></tr>
 * <tr><td>sin, cos</td><td>every float with |x| &le; 2^23; beyond, the result is not meaningful but lies in
 *     [-1, 1]</td><td>1 ulp</td></tr>
 * <tr><td>pow</td><td>millions of random and hard pairs over the whole range (below 0.63 ulp before
 *     rounding, so exactly representable results come out exact)</td><td>1 ulp</td></tr>
 * </table>
 * Special values (NaN, infinities, signed zeros, subnormals, and every case listed for {@link Math#pow})
 * come out exactly as {@link Math} gives them, on every backend.
 *
 * <p>PTX and OpenCL give the same bits for the float transcendentals (both run PortableMath), but the JVM
 * backend does not (it rounds Math's double result): compare JVM and device results with a 1 ulp tolerance,
 * or call PortableMath directly in a kernel to get the same bits everywhere.
 */
public final class TornadoMath {
    private TornadoMath() {
    }

    public static float exp(float x) {
        return (float) Math.exp(x);
    }

    /**
     * 2^x, fast and approximate, for softmax-style kernels that fold their scale into log2(e): on PTX one
     * {@code ex2.approx.ftz.f32} (maximum relative error about 2^-22; subnormal inputs and results flush to
     * zero), on OpenCL the exp2 built-in (3 ulp), on the JVM Math.pow in double rounded once. -inf gives +0.
     */
    public static float exp2Approx(float x) {
        return (float) Math.pow(2, x);
    }

    public static double exp(double x) {
        return Math.exp(x);
    }

    /** Natural logarithm. */
    public static float log(float x) {
        return (float) Math.log(x);
    }

    public static double log(double x) {
        return Math.log(x);
    }

    public static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    public static double sqrt(double x) {
        return Math.sqrt(x);
    }

    /** 1 / sqrt(x). */
    public static float rsqrt(float x) {
        return (float) (1.0 / Math.sqrt(x));
    }

    public static double rsqrt(double x) {
        return 1.0 / Math.sqrt(x);
    }

    public static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    public static double tanh(double x) {
        return Math.tanh(x);
    }

    public static float sin(float x) {
        return (float) Math.sin(x);
    }

    public static double sin(double x) {
        return Math.sin(x);
    }

    public static float cos(float x) {
        return (float) Math.cos(x);
    }

    public static double cos(double x) {
        return Math.cos(x);
    }

    public static float pow(float x, float y) {
        return (float) Math.pow(x, y);
    }

    public static double pow(double x, double y) {
        return Math.pow(x, y);
    }

    /** a * b + c with a single rounding. */
    public static float fma(float a, float b, float c) {
        return Math.fma(a, b, c);
    }

    public static double fma(double a, double b, double c) {
        return Math.fma(a, b, c);
    }

    public static float min(float a, float b) {
        return Math.min(a, b);
    }

    public static double min(double a, double b) {
        return Math.min(a, b);
    }

    public static int min(int a, int b) {
        return Math.min(a, b);
    }

    public static long min(long a, long b) {
        return Math.min(a, b);
    }

    public static float max(float a, float b) {
        return Math.max(a, b);
    }

    public static double max(double a, double b) {
        return Math.max(a, b);
    }

    public static int max(int a, int b) {
        return Math.max(a, b);
    }

    public static long max(long a, long b) {
        return Math.max(a, b);
    }

    public static float abs(float x) {
        return Math.abs(x);
    }

    public static double abs(double x) {
        return Math.abs(x);
    }

    /** Integer.MIN_VALUE stays negative, as on devices. */
    public static int abs(int x) {
        return Math.abs(x);
    }

    public static long abs(long x) {
        return Math.abs(x);
    }

    public static float floor(float x) {
        return (float) Math.floor(x);
    }

    public static double floor(double x) {
        return Math.floor(x);
    }

    public static float ceil(float x) {
        return (float) Math.ceil(x);
    }

    public static double ceil(double x) {
        return Math.ceil(x);
    }

    /** min(max(x, lo), hi): never throws (unlike Math.clamp), so it behaves as the device code does. */
    public static float clamp(float x, float lo, float hi) {
        return Math.min(Math.max(x, lo), hi);
    }

    public static double clamp(double x, double lo, double hi) {
        return Math.min(Math.max(x, lo), hi);
    }

    public static int clamp(int x, int lo, int hi) {
        return Math.min(Math.max(x, lo), hi);
    }

    /** The value of the f16 with bits {@code bits} (exact). */
    public static float halfToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** {@code x} rounded to the nearest f16, ties to even; overflow gives infinity, NaN stays NaN. */
    public static short floatToHalf(float x) {
        return Float.floatToFloat16(x);
    }

    /** The value of the bf16 with bits {@code bits} (exact: bf16 is the top half of a float). */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /**
     * {@code x} rounded to the nearest bf16, ties to even; overflow gives infinity. A NaN stays NaN with its
     * sign (made quiet: truncating a NaN whose payload sits in the low 16 bits would otherwise give infinity).
     */
    public static short floatToBfloat16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /**
     * Two floats rounded to bf16 (nearest, ties to even; overflow gives infinity) in one int, {@code low} in the
     * low half: the A operand of a tensor-core product made from an accumulator (FlashAttention's P). Unlike
     * {@link #floatToBfloat16}, a NaN becomes the canonical bf16 NaN 0x7FFF, on every backend: that is what the
     * paired conversion of NVIDIA GPUs (one {@code cvt.rn.bf16x2.f32} for both values) gives, where keeping
     * sign and payload costs seven instructions a value.
     */
    public static int packBfloat16(float low, float high) {
        return (canonicalBfloat16(low) & 0xFFFF) | (canonicalBfloat16(high) << 16);
    }

    private static int canonicalBfloat16(float x) {
        return Float.isNaN(x) ? 0x7FFF : floatToBfloat16(x);
    }

    /** The raw bits of {@code x} (NaN payloads kept, unlike Float.floatToIntBits). */
    public static int floatToIntBits(float x) {
        return Float.floatToRawIntBits(x);
    }

    public static float intBitsToFloat(int bits) {
        return Float.intBitsToFloat(bits);
    }
}
