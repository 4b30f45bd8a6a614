package dev.loris.tornado.compiler.opencl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Helper functions some lowered operations call, written out once at the top of a program that uses them.
 * They give Java's answers where OpenCL C's built-ins differ: NaN and signed-zero rules of Math.min/max,
 * f16/bf16 bit conversions with round-to-nearest-even, and float atomic add (OpenCL 1.2 has int only).
 */
final class OpenClPrelude {
    static final Map<String, String> HELPERS = new LinkedHashMap<>();

    static {
        HELPERS.put("loris_minf", """
                static inline float loris_minf(float a, float b) {
                    return isnan(a) ? a : isnan(b) ? b : a < b ? a : b < a ? b : as_float(as_int(a) | as_int(b));
                }""");
        HELPERS.put("loris_maxf", """
                static inline float loris_maxf(float a, float b) {
                    return isnan(a) ? a : isnan(b) ? b : a > b ? a : b > a ? b : as_float(as_int(a) & as_int(b));
                }""");
        HELPERS.put("loris_half_to_float", """
                static inline float loris_half_to_float(int bits) {
                    ushort h = (ushort) bits;
                    return vload_half(0, (const __private half *) &h);
                }""");
        HELPERS.put("loris_float_to_half", """
                static inline int loris_float_to_half(float f) {
                    ushort h;
                    vstore_half_rte(f, 0, (__private half *) &h);
                    return (int) (short) h;
                }""");
        HELPERS.put("loris_float_to_bf16", """
                static inline int loris_float_to_bf16(float f) {
                    uint u = as_uint(f);
                    if (isnan(f)) {
                        return (int) (short) ((u >> 16) | 0x40u);
                    }
                    u += 0x7FFFu + ((u >> 16) & 1u);
                    return (int) (short) (u >> 16);
                }""");
        HELPERS.put("loris_atomic_add_global_f32", """
                static inline float loris_atomic_add_global_f32(volatile __global float *p, float v) {
                    uint old = as_uint(*p);
                    uint seen;
                    while ((seen = atomic_cmpxchg((volatile __global uint *) p, old, as_uint(as_float(old) + v))) != old) {
                        old = seen;
                    }
                    return as_float(old);
                }""");
        HELPERS.put("loris_atomic_add_local_f32", """
                static inline float loris_atomic_add_local_f32(volatile __local float *p, float v) {
                    uint old = as_uint(*p);
                    uint seen;
                    while ((seen = atomic_cmpxchg((volatile __local uint *) p, old, as_uint(as_float(old) + v))) != old) {
                        old = seen;
                    }
                    return as_float(old);
                }""");
    }

    private OpenClPrelude() {
    }
}
