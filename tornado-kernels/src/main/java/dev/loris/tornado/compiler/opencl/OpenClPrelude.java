package dev.loris.tornado.compiler.opencl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Helper functions some lowered operations call, written out once at the top of a program that uses them.
 * They give Java's answers where OpenCL C's built-ins differ: NaN and signed-zero rules of Math.min/max,
 * floor/ceil of a NaN that PoCL's LLVM proves at build time (it drops the result),
 * f16/bf16 bit conversions with round-to-nearest-even, float atomic add (OpenCL 1.2 has int only), and
 * KernelContext's simd exchanges (see {@link OpenClWarpLowering}; a helper there lists the helpers it calls).
 */
final class OpenClPrelude {
    static final Map<String, String> HELPERS = new LinkedHashMap<>();

    static {
        for (String function : new String[] {"floor", "ceil"}) {
            HELPERS.put("loris_" + function + "f", "static inline float loris_" + function + "f(float a) {\n"
                    + "    return isnan(a) ? a : " + function + "(a);\n}");
            HELPERS.put("loris_" + function + "d", "static inline double loris_" + function + "d(double a) {\n"
                    + "    return isnan(a) ? a : " + function + "(a);\n}");
        }
        HELPERS.put("loris_minf", """
                static inline float loris_minf(float a, float b) {
                    return isnan(a) ? a : isnan(b) ? b : a < b ? a : b < a ? b : as_float(as_int(a) | as_int(b));
                }""");
        HELPERS.put("loris_maxf", """
                static inline float loris_maxf(float a, float b) {
                    return isnan(a) ? a : isnan(b) ? b : a > b ? a : b > a ? b : as_float(as_int(a) & as_int(b));
                }""");
        HELPERS.put("loris_mind", """
                static inline double loris_mind(double a, double b) {
                    return isnan(a) ? a : isnan(b) ? b : a < b ? a : b < a ? b : as_double(as_long(a) | as_long(b));
                }""");
        HELPERS.put("loris_maxd", """
                static inline double loris_maxd(double a, double b) {
                    return isnan(a) ? a : isnan(b) ? b : a > b ? a : b > a ? b : as_double(as_long(a) & as_long(b));
                }""");
        // vload_half / vstore_half give a canonical NaN (PoCL: 0x7FFF); HotSpot keeps the sign and the leading
        // payload bits, made quiet (see PtxJavaFloat).
        HELPERS.put("loris_half_to_float", """
                static inline float loris_half_to_float(int bits) {
                    uint u = (uint) bits & 0xFFFFu;
                    if ((u & 0x7FFFu) > 0x7C00u) {
                        return as_float(((u & 0x8000u) << 16) | 0x7FC00000u | ((u & 0x3FFu) << 13));
                    }
                    ushort h = (ushort) u;
                    return vload_half(0, (const __private half *) &h);
                }""");
        HELPERS.put("loris_float_to_half", """
                static inline int loris_float_to_half(float f) {
                    if (isnan(f)) {
                        uint u = as_uint(f);
                        return (int) (short) (((u >> 16) & 0x8000u) | 0x7E00u | ((u >> 13) & 0x3FFu));
                    }
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
        HELPERS.put("loris_pack_bf16x2", """
                static inline int loris_pack_bf16x2(float low, float high) {
                    uint l = as_uint(low);
                    uint h = as_uint(high);
                    l = isnan(low) ? 0x7FFFu : (l + 0x7FFFu + ((l >> 16) & 1u)) >> 16;
                    h = isnan(high) ? 0x7FFFu : (h + 0x7FFFu + ((h >> 16) & 1u)) >> 16;
                    return as_int(l | (h << 16));
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

    static {
        HELPERS.put("loris_linear_local_id", """
                static inline uint loris_linear_local_id(void) {
                    size_t y = get_local_id(1) + get_local_size(1) * get_local_id(2);
                    return (uint) (get_local_id(0) + get_local_size(0) * y);
                }""");
        HELPERS.put("loris_simd_lane", """
                static inline int loris_simd_lane(void) {
                    return (int) (loris_linear_local_id() & 31u);
                }""");
        HELPERS.put("loris_simd_down_lane", """
                static inline int loris_simd_down_lane(int delta) {
                    int lane = loris_simd_lane();
                    return delta >= 0 && delta < 32 - lane ? lane + delta : lane;
                }""");
        HELPERS.put("loris_simd_xor_lane", """
                static inline int loris_simd_xor_lane(int mask) {
                    int lane = loris_simd_lane();
                    int partner = lane ^ mask;
                    return partner >= 0 && partner < 32 ? partner : lane;
                }""");
        HELPERS.put("loris_simd_index_lane", """
                static inline int loris_simd_index_lane(int index) {
                    return index >= 0 && index < 32 ? index : loris_simd_lane();
                }""");
        // Every lane calls with an in-range offset or mask (0 when it keeps its own value): see OpenClWarpLowering.
        HELPERS.put("loris_sub_group_down", """
                static inline uint loris_sub_group_down(uint bits, int delta) {
                    return sub_group_shuffle_down(bits, (uint) (loris_simd_down_lane(delta) - loris_simd_lane()));
                }""");
        HELPERS.put("loris_sub_group_xor", """
                static inline uint loris_sub_group_xor(uint bits, int mask) {
                    return sub_group_shuffle_xor(bits, (uint) (loris_simd_xor_lane(mask) ^ loris_simd_lane()));
                }""");
        // The first barrier keeps a fast work-item from overwriting a slot another still reads from the last exchange.
        HELPERS.put("loris_local_exchange", """
                static inline uint loris_local_exchange(__local uint *scratch, uint bits, int lane) {
                    uint self = loris_linear_local_id();
                    barrier(CLK_LOCAL_MEM_FENCE);
                    scratch[self] = bits;
                    barrier(CLK_LOCAL_MEM_FENCE);
                    return scratch[(self & ~31u) + (uint) lane];
                }""");
    }

    private OpenClPrelude() {
    }
}
