package dev.loris.tornado.api.math;

/**
 * Accurate float exp, log, sin, cos, tanh and pow written only with operations every backend performs
 * exactly as the JVM does: float add, subtract and multiply rounded to nearest, {@link Math#fma}, int
 * arithmetic, comparisons, selects, bit casts and float-int conversions. No division, no built-in
 * transcendental, no tables, no recursion. So one method gives the same bits on the JVM, in PTX and in OpenCL
 * C (with FP_CONTRACT off and denormals supported), and the kernel compiler can inline it wherever a device
 * has no accurate instruction of its own (see {@code MathExpansion}).
 *
 * <p>Errors, measured against StrictMath in double rounded once to float (the correctly rounded result),
 * counted in float ulps (0 = correctly rounded):
 * <table>
 * <caption>Measured maximum error</caption>
 * <tr><th>function</th><th>domain checked</th><th>max ulp</th></tr>
 * <tr><td>exp</td><td>every float</td><td>1</td></tr>
 * <tr><td>log</td><td>every float</td><td>1</td></tr>
 * <tr><td>sin, cos</td><td>every float with |x| &le; {@value #TRIG_ACCURATE_LIMIT}</td><td>1</td></tr>
 * <tr><td>tanh</td><td>every float</td><td>1</td></tr>
 * <tr><td>pow</td><td>random and hard pairs over the whole float range (no exhaustive check possible)</td>
 *     <td>1</td></tr>
 * </table>
 * Special values follow {@link Math} exactly: NaN in, NaN out; exp(-inf) = +0, log(+0) = -inf, log of a
 * negative number is NaN; sin(-0) = -0, tanh(-0) = -0, tanh(+-inf) = +-1; pow follows every rule of
 * {@link Math#pow}, and because its error stays below 1 ulp, a result that is exactly representable (such as
 * an integer power of an integer) comes out exact.
 *
 * <p>sin and cos reduce the argument with a three-part pi/2 (Cody and Waite) carried in two floats, which is
 * exact up to {@value #TRIG_ACCURATE_LIMIT} (2^23, where float spacing reaches 1). Beyond that the result is
 * not meaningful (from about 1.2e7 on it can be off by far more than an ulp; an exact reduction there would
 * need Payne and Hanek's many-bit 2/pi), but it still lies in [-1, 1] and is never NaN for a finite argument.
 *
 * <p>Method: each function reduces its argument (exp: x = k ln2 + r; log: x = 2^e m; sin/cos: x = k pi/2 + r;
 * pow: 2^(y log2 x) with log2 x in two floats through 2 atanh((m - b)/(m + b)), as fdlibm's e_pow.c does)
 * and evaluates a polynomial on the reduced argument. The coefficients are weighted minimax fits of ours
 * (Remez exchange in 50-digit arithmetic with mpmath, coefficients then rounded to float one at a time with
 * the rest refitted); each polynomial below names its function and interval. Error-free transformations
 * (Fast2Sum, TwoSum, the fma product error) keep the parts that need more than 24 bits.
 */
public final class PortableMath {
    /** Largest |x| for which sin and cos meet the accuracy stated above. */
    public static final float TRIG_ACCURATE_LIMIT = 0x1p23f;

    private static final float LOG2E = 0x1.715476p0f;
    /** ln 2 = LN2 + LN2_LO, each rounded to nearest. */
    private static final float LN2 = 0x1.62e430p-1f;
    private static final float LN2_LO = -0x1.05c610p-29f;
    /** ln 2 with 13 significant bits, so that e * LN2_SHORT is exact for any exponent e. */
    private static final float LN2_SHORT = 0x1.62ep-1f;
    private static final float LN2_SHORT_LO = 0x1.0bfbe8p-15f;
    /** pi/2 = PIO2_1 + PIO2_2 + PIO2_3 to 2^-76. */
    private static final float PIO2_1 = 0x1.921fb6p0f;
    private static final float PIO2_2 = -0x1.777a5cp-25f;
    private static final float PIO2_3 = -0x1.ee59dap-50f;
    /** 2/pi = TWO_OVER_PI + TWO_OVER_PI_LO. */
    private static final float TWO_OVER_PI = 0x1.45f306p-1f;
    private static final float TWO_OVER_PI_LO = 0x1.b93910p-26f;
    /** Adding and subtracting 1.5 * 2^23 rounds a float below 2^22 in magnitude to the nearest integer. */
    private static final float ROUNDING_SHIFTER = 0x1.8p23f;
    /** Where pow's log switches from base 1 to base 1.5, and from 1.5 to halving: sqrt(1.5), sqrt(3). */
    private static final float SQRT_1_5 = 0x1.3988e2p0f;
    private static final float SQRT_3 = 0x1.bb67aep0f;
    /** log2(1.5) with 10 significant bits (so e + LOG2_1_5 is exact), and the rest. */
    private static final float LOG2_1_5 = 0x1.2b8p-1f;
    private static final float LOG2_1_5_LO = 0x1.a39fbep-20f;
    /** 2 / (3 ln 2) in two floats. */
    private static final float K_HI = 0x1.ec709ep-1f;
    private static final float K_LO = -0x1.e2fe02p-28f;
    /** tanh switches from its polynomial to the expm1 formula here (the polynomial's interval ends at 0.55). */
    private static final float TANH_POLYNOMIAL_END = 0.55f;

    private PortableMath() {
    }

    /** e^x within 1 ulp; overflows to +inf above about 88.72, underflows through the subnormals to +0. */
    public static float exp(float x) {
        // Clamping keeps k within what scaleByPowerOfTwo takes; the results there are +inf and +0 anyway.
        float xc = Math.min(Math.max(x, -104f), 89f);
        float k = nearestInteger(xc * LOG2E);
        // Exact: x and k * LN2 are multiples of 2^-25 whose difference is below 1/2.
        float hi = Math.fma(-k, LN2, xc);
        float lo = -k * LN2_LO;
        return scaleByPowerOfTwo(expReduced(hi, lo), (int) k);
    }

    /** Natural logarithm within 1 ulp. */
    public static float log(float x) {
        boolean subnormal = x < 0x1p-126f;
        float xs = subnormal ? x * 0x1p23f : x;
        // x = 2^e * m with m in [sqrt(1/2), sqrt(2)): subtracting the bits of sqrt(1/2) borrows from the
        // exponent exactly when the mantissa lies below it (the classic bit trick, as in musl's logf).
        int t = Float.floatToRawIntBits(xs) - 0x3F3504F3;
        int e = (t >> 23) - (subnormal ? 23 : 0);
        float m = Float.intBitsToFloat((t & 0x007FFFFF) + 0x3F3504F3);
        float f = m - 1f; // exact (Sterbenz)
        float correction = f * f * log1pPolynomial(f);
        // e * ln2 + f as an unevaluated sum: e * LN2_SHORT is exact and Fast2Sum keeps what the sum drops.
        float hi = e * LN2_SHORT;
        float sum = hi + f;
        float sumError = (hi - sum) + f;
        float result = sum + (sumError + (correction + e * LN2_SHORT_LO));
        if (x > 0f && x < Float.POSITIVE_INFINITY) {
            return result;
        }
        return x == 0f ? Float.NEGATIVE_INFINITY : x == Float.POSITIVE_INFINITY ? x : Float.NaN;
    }

    public static float sin(float x) {
        return sinOrCos(x, 0);
    }

    public static float cos(float x) {
        return sinOrCos(x, 1);
    }

    /** Hyperbolic tangent within 1 ulp; exactly +-1 from |x| = 9.1 on. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        float z = a * a;
        float small = Math.fma(a * z, tanhPolynomial(z), a);
        // tanh(a) = u / (u + 2) with u = e^(2a) - 1; from 2a = 20 the quotient rounds to 1 anyway.
        float y = Math.min(a + a, 20f);
        float k = nearestInteger(y * LOG2E);
        float hi = Math.fma(-k, LN2, y);
        float lo = -k * LN2_LO;
        float scale = powerOfTwo((int) k);
        float u = Math.fma(scale, expm1Reduced(hi, lo), scale - 1f);
        float large = quotient(u, u + 2f);
        float magnitude = a < TANH_POLYNOMIAL_END ? small : large;
        return Float.intBitsToFloat((Float.floatToRawIntBits(magnitude) & 0x7FFFFFFF)
                | (Float.floatToRawIntBits(x) & 0x80000000));
    }

    /**
     * x^y with every special case of {@link Math#pow}, within 1 ulp (so exactly representable results are
     * exact).
     */
    public static float pow(float x, float y) {
        float ax = Math.abs(x);
        boolean yInteger = TornadoMath.floor(y) == y; // also true for infinite y, which is decided below
        boolean yOdd = yInteger && Math.abs(y) < 0x1p24f && ((int) y & 1) != 0;
        boolean xSignBit = Float.floatToRawIntBits(x) < 0;
        boolean xZeroOrInfinite = ax == 0f || ax == Float.POSITIVE_INFINITY;
        float magnitude = powOfPositive(ax, y);
        magnitude = xZeroOrInfinite ? ((ax == 0f) == (y < 0f) ? Float.POSITIVE_INFINITY : 0f) : magnitude;
        float result = xSignBit && yOdd ? -magnitude : magnitude;
        result = x < 0f && !xZeroOrInfinite && !yInteger ? Float.NaN : result;
        if (Math.abs(y) == Float.POSITIVE_INFINITY) {
            result = ax == 1f ? Float.NaN : (ax > 1f) == (y > 0f) ? Float.POSITIVE_INFINITY : 0f;
        }
        result = x != x || y != y ? Float.NaN : result;
        result = y == 1f ? x : result;
        return y == 0f ? 1f : result;
    }

    /**
     * ax^y = 2^(y log2 ax) for positive finite ax (subnormals included) and finite y. log2 ax is carried in
     * two floats to about 2^-40 relative, so that y * log2 ax (up to 150 in magnitude before the result
     * overflows or underflows) still has an absolute error far below 2^-24.
     */
    private static float powOfPositive(float ax, float y) {
        boolean subnormal = ax < 0x1p-126f;
        int bits = Float.floatToRawIntBits(subnormal ? ax * 0x1p23f : ax);
        float m = Float.intBitsToFloat((bits & 0x007FFFFF) | 0x3F800000);
        int e = (bits >>> 23) - (subnormal ? 150 : 127);
        // m in [sqrt(3)/2, sqrt(3)) around base b = 1 or 1.5, so that |s| = |m - b| / (m + b) <= 0.1011.
        boolean halve = m >= SQRT_3;
        m = halve ? m * 0.5f : m;
        e = halve ? e + 1 : e;
        boolean baseOneAndHalf = m >= SQRT_1_5;
        float b = baseOneAndHalf ? 1.5f : 1f;
        float u = m - b; // exact (Sterbenz)
        float vHi = m + b;
        float vLo = (b - vHi) + m; // Fast2Sum: m + b = vHi + vLo exactly
        float inverse = reciprocal(vHi);
        float sHi = u * inverse;
        float sLo = (Math.fma(-sHi, vHi, u) - sHi * vLo) * inverse;
        // 3 atanh(s) / s = 3 + s^2 + s^4 R(s^2) =: Y, in two floats.
        float z = sHi * sHi;
        float zLo = Math.fma(sHi, sHi, -z) + 2f * sHi * sLo;
        float yHi = 3f + z;
        float yLo = ((3f - yHi) + z) + (z * z * atanhPolynomial(z) + zLo);
        // log2(m / b) = 2 atanh(s) / ln 2 = K * s * Y with K = 2 / (3 ln 2).
        float pHi = sHi * yHi;
        float pLo = Math.fma(sHi, yHi, -pHi) + Math.fma(sHi, yLo, sLo * yHi);
        float lHi = K_HI * pHi;
        float lLo = Math.fma(K_HI, pHi, -lHi) + Math.fma(K_HI, pLo, K_LO * pHi);
        // log2 ax = (e + log2 b) + L, added with TwoSum; then normalised into h + l.
        float base = e + (baseOneAndHalf ? LOG2_1_5 : 0f);
        float sum = base + lHi;
        float lHiPart = sum - base;
        float sumError = (base - (sum - lHiPart)) + (lHi - lHiPart);
        float tail = sumError + lLo + (baseOneAndHalf ? LOG2_1_5_LO : 0f);
        float h = sum + tail;
        float l = tail - (h - sum);
        // w = y log2 ax in two floats; outside [-151, 129] the result is 0 or +inf whatever the low part.
        float wHi = y * h;
        float wClamped = Math.min(Math.max(wHi, -151f), 129f);
        float wLo = wClamped == wHi ? Math.fma(y, h, -wHi) + y * l : 0f;
        float n = nearestInteger(wClamped);
        float f = wClamped - n; // exact
        float rHi = f * LN2;
        float rLo = Math.fma(f, LN2, -rHi) + Math.fma(f, LN2_LO, wLo * LN2);
        return scaleByPowerOfTwo(expReduced(rHi, rLo), (int) n);
    }

    /** sin(x) for quadrantShift 0, cos(x) = sin(x + pi/2) for 1. */
    private static float sinOrCos(float x, int quadrantShift) {
        // k = the integer nearest x * 2/pi, from the product in two floats: rounding the product alone could
        // pick the wrong neighbour near half-integers and leave |r| above pi/4.
        float v = x * TWO_OVER_PI;
        float vLo = Math.fma(x, TWO_OVER_PI, -v) + x * TWO_OVER_PI_LO;
        float k = TornadoMath.floor(v + 0.5f); // v + 0.5 is exact below 2^23; nearestInteger stops at 2^22
        float beyondHalf = (v - k) + vLo;
        k = beyondHalf > 0.5f ? k + 1f : beyondHalf < -0.5f ? k - 1f : k;
        // r = x - k pi/2 in two floats. The first step is exact (x and k * PIO2_1 are multiples of 2^-23 less
        // than 2 apart for |x| <= 2^23); k * PIO2_2 is split exactly with fma and added with TwoSum. Over all
        // floats below 2^23, |r| >= 2^-27.8, so the rounding of the low part stays far below r's last bit.
        float r1 = Math.fma(-k, PIO2_1, x);
        float p = k * PIO2_2;
        float pError = Math.fma(k, PIO2_2, -p);
        float hi = r1 - p;
        float pPart = hi - r1;
        float hiError = (r1 - (hi - pPart)) + (-p - pPart);
        float lo = Math.fma(-k, PIO2_3, hiError - pError);
        float rHi = hi + lo;
        float rLo = lo - (rHi - hi);
        // Beyond TRIG_ACCURATE_LIMIT the reduction degrades; for huge x r is meaningless, so it is clamped
        // into the polynomials' interval to keep the result in [-1, 1]. NaN (from an infinite x) stays NaN.
        boolean inInterval = Math.abs(rHi) <= 0.8f;
        rHi = Math.min(Math.max(rHi, -0.8f), 0.8f);
        rLo = inInterval ? rLo : 0f;
        float z = rHi * rHi;
        // sin(rHi + rLo) = rHi + rHi^3 S(z) + rLo (1 - z/2)
        float sin = rHi + Math.fma(rHi * z, sinPolynomial(z), Math.fma(-0.5f * z, rLo, rLo));
        // cos(rHi + rLo) = 1 - z/2 + z^2 C(z) - rHi rLo, with 1 - z/2 split by Fast2Sum and z's rounding error
        float halfZ = 0.5f * z;
        float w = 1f - halfZ;
        float wError = (1f - w) - halfZ;
        float zError = Math.fma(rHi, rHi, -z);
        float cos = w + (wError + (Math.fma(z * z, cosPolynomial(z), -0.5f * zError) - rHi * rLo));
        int quadrant = (int) k + quadrantShift;
        float value = (quadrant & 1) == 0 ? sin : cos;
        value = (quadrant & 2) == 0 ? value : -value;
        // sin x = x below 2^-12 (the cube term is under half an ulp); this also keeps sin(-0) = -0.
        return quadrantShift == 0 && Math.abs(x) < 0x1p-12f ? x : value;
    }

    /** e^(hi + lo) for |hi| <= ln2/2 (plus rounding) and |lo| < 2^-16: in [0.7, 1.42], within 0.6 ulp. */
    private static float expReduced(float hi, float lo) {
        float one = 1f + hi;
        float oneError = (1f - one) + hi; // Fast2Sum
        return one + (oneError + expTail(hi, lo));
    }

    /** e^(hi + lo) - 1 under the same conditions. */
    private static float expm1Reduced(float hi, float lo) {
        return hi + expTail(hi, lo);
    }

    /** e^(hi + lo) - 1 - hi, as hi^2 Q(hi) + lo e^hi (lo^2 is below 2^-32 and left out). */
    private static float expTail(float hi, float lo) {
        float quadratic = hi * hi * expPolynomial(hi);
        return quadratic + Math.fma(lo, hi + quadratic, lo);
    }

    /** p * 2^n for n in [-151, 129], rounded once: the first factor keeps p normal, the second rounds. */
    private static float scaleByPowerOfTwo(float p, int n) {
        int half = n >> 1;
        return p * powerOfTwo(half) * powerOfTwo(n - half);
    }

    /** 2^n for n in [-126, 127]. */
    private static float powerOfTwo(int n) {
        return Float.intBitsToFloat((n + 127) << 23);
    }

    /** The integer nearest to v (ties to even) for |v| < 2^22; larger v come back finite but inexact. */
    private static float nearestInteger(float v) {
        return (v + ROUNDING_SHIFTER) - ROUNDING_SHIFTER;
    }

    /**
     * 1/d for positive normal d below 2^125, within 1 ulp: a bit-pattern estimate (within 12.5 %) and four
     * Newton steps, each squaring the relative error.
     */
    private static float reciprocal(float d) {
        float r = Float.intBitsToFloat(0x7EF311C3 - Float.floatToRawIntBits(d));
        r = Math.fma(r, Math.fma(-d, r, 1f), r);
        r = Math.fma(r, Math.fma(-d, r, 1f), r);
        r = Math.fma(r, Math.fma(-d, r, 1f), r);
        return Math.fma(r, Math.fma(-d, r, 1f), r);
    }

    /** a / d for positive normal d: the reciprocal's quotient corrected once by its exact residual. */
    private static float quotient(float a, float d) {
        float inverse = reciprocal(d);
        float q = a * inverse;
        return Math.fma(Math.fma(-q, d, a), inverse, q);
    }

    /** Q(r) ~ (e^r - 1 - r) / r^2 on [-ln2/2, ln2/2], relative error of e^r 2^-27.9. */
    private static float expPolynomial(float r) {
        float q = Math.fma(0x1.6a2434p-10f, r, 0x1.123d96p-7f);
        q = Math.fma(q, r, 0x1.555902p-5f);
        q = Math.fma(q, r, 0x1.55548cp-3f);
        return Math.fma(q, r, 0x1.fffffcp-2f);
    }

    /** P(f) ~ (log1p(f) - f) / f^2 on [sqrt(1/2) - 1, sqrt(2) - 1], relative error of log1p 2^-27.3. */
    private static float log1pPolynomial(float f) {
        float p = Math.fma(-0x1.38301ep-4f, f, 0x1.084a98p-3f);
        p = Math.fma(p, f, -0x1.0f387ap-3f);
        p = Math.fma(p, f, 0x1.22715cp-3f);
        p = Math.fma(p, f, -0x1.542748p-3f);
        p = Math.fma(p, f, 0x1.99a3f6p-3f);
        p = Math.fma(p, f, -0x1.000426p-2f);
        p = Math.fma(p, f, 0x1.55555p-2f);
        return Math.fma(p, f, -0x1.fffff8p-2f);
    }

    /** S(z) ~ (sin r - r) / r^3 with z = r^2, r in [0, 0.8], relative error of sin 2^-29.3. */
    private static float sinPolynomial(float z) {
        float s = Math.fma(0x1.b2f8bap-19f, z, -0x1.a13708p-13f);
        s = Math.fma(s, z, 0x1.11124ap-7f);
        return Math.fma(s, z, -0x1.555556p-3f);
    }

    /** C(z) ~ (cos r - 1 + r^2/2) / r^4 with z = r^2, r in [0, 0.8], relative error of cos 2^-32.6. */
    private static float cosPolynomial(float z) {
        float c = Math.fma(-0x1.9e5f5p-22f, z, 0x1.a231eap-16f);
        c = Math.fma(c, z, -0x1.6c1934p-10f);
        return Math.fma(c, z, 0x1.555556p-5f);
    }

    /** T(z) ~ (tanh x - x) / x^3 with z = x^2, x in [0, 0.55], relative error of tanh 2^-31.8. */
    private static float tanhPolynomial(float z) {
        float t = Math.fma(0x1.552b82p-9f, z, -0x1.19ede8p-7f);
        t = Math.fma(t, z, 0x1.65f53ap-6f);
        t = Math.fma(t, z, -0x1.ba1f1ep-5f);
        t = Math.fma(t, z, 0x1.11113cp-3f);
        return Math.fma(t, z, -0x1.555556p-2f);
    }

    /** R(z) ~ (3 atanh(s)/s - 3 - s^2) / s^4 with z = s^2, s in [0, 0.1012], relative error of Y 2^-43. */
    private static float atanhPolynomial(float z) {
        float r = Math.fma(0x1.5a80f8p-2f, z, 0x1.b6d4c2p-2f);
        return Math.fma(r, z, 0x1.333334p-1f);
    }
}
