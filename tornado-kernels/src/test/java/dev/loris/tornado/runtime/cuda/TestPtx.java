package dev.loris.tornado.runtime.cuda;

import java.util.Random;

/**
 * Hand-written PTX for the runtime's tests, independent of our compiler: if these fail, the runtime is
 * wrong, not the code generator. ISA 8.0 for sm_80 loads on every driver from CUDA 12.0 and JITs forward
 * to newer GPUs (sm_90 included).
 */
final class TestPtx {
    /**
     * {@code vectorAdd(a, b, c, n)}: c[i] = a[i] + b[i] for i < n, one thread per element, rounding to
     * nearest (add.rn, so the JIT cannot fuse it) to match Java's float addition exactly.
     * {@code storeScalars(out, i32, i64, f32, f64)}: writes its scalar arguments to out at byte offsets
     * 0 (i32), 4 (f32), 8 (i64) and 16 (f64), one thread.
     */
    static final String KERNELS = """
            .version 8.0
            .target sm_80
            .address_size 64

            .visible .entry vectorAdd(
                .param .u64 vectorAdd_param_a,
                .param .u64 vectorAdd_param_b,
                .param .u64 vectorAdd_param_c,
                .param .u32 vectorAdd_param_n
            )
            {
                .reg .pred %p<2>;
                .reg .b32 %r<6>;
                .reg .f32 %f<4>;
                .reg .b64 %rd<11>;

                ld.param.u64 %rd1, [vectorAdd_param_a];
                ld.param.u64 %rd2, [vectorAdd_param_b];
                ld.param.u64 %rd3, [vectorAdd_param_c];
                ld.param.u32 %r1, [vectorAdd_param_n];
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r3, %ntid.x;
                mov.u32 %r4, %tid.x;
                mad.lo.s32 %r5, %r2, %r3, %r4;
                setp.ge.s32 %p1, %r5, %r1;
                @%p1 bra DONE;
                cvta.to.global.u64 %rd4, %rd1;
                cvta.to.global.u64 %rd5, %rd2;
                cvta.to.global.u64 %rd6, %rd3;
                mul.wide.s32 %rd7, %r5, 4;
                add.s64 %rd8, %rd4, %rd7;
                add.s64 %rd9, %rd5, %rd7;
                add.s64 %rd10, %rd6, %rd7;
                ld.global.f32 %f1, [%rd8];
                ld.global.f32 %f2, [%rd9];
                add.rn.f32 %f3, %f1, %f2;
                st.global.f32 [%rd10], %f3;
            DONE:
                ret;
            }

            .visible .entry storeScalars(
                .param .u64 storeScalars_param_out,
                .param .u32 storeScalars_param_i32,
                .param .u64 storeScalars_param_i64,
                .param .f32 storeScalars_param_f32,
                .param .f64 storeScalars_param_f64
            )
            {
                .reg .b32 %r<2>;
                .reg .f32 %f<2>;
                .reg .b64 %rd<4>;
                .reg .f64 %fd<2>;

                ld.param.u64 %rd1, [storeScalars_param_out];
                cvta.to.global.u64 %rd2, %rd1;
                ld.param.u32 %r1, [storeScalars_param_i32];
                ld.param.u64 %rd3, [storeScalars_param_i64];
                ld.param.f32 %f1, [storeScalars_param_f32];
                ld.param.f64 %fd1, [storeScalars_param_f64];
                st.global.u32 [%rd2], %r1;
                st.global.f32 [%rd2+4], %f1;
                st.global.u64 [%rd2+8], %rd3;
                st.global.f64 [%rd2+16], %fd1;
                ret;
            }
            """;

    /** Random scalar arguments of every kind for storeScalars, and where it stores each in its output. */
    record Scalars(int i32, long i64, float f32, double f64) {
        static final int I32_OFFSET = 0;
        static final int F32_OFFSET = 4;
        static final int I64_OFFSET = 8;
        static final int F64_OFFSET = 16;
        static final int OUTPUT_BYTES = 24;

        static Scalars random(Random random) {
            return new Scalars(random.nextInt(), random.nextLong(), random.nextFloat() - 0.5f, random.nextGaussian());
        }

        /** storeScalars' argument list: the output pointer, then the scalars in parameter order. */
        KernelArgs arguments(long output) {
            return KernelArgs.create().pointer(output).i32(i32).i64(i64).f32(f32).f64(f64);
        }
    }

    /** Byte sizes of vectorAdd's parameters, as the driver lists them. */
    static final long[] VECTOR_ADD_PARAMETER_SIZES = {8, 8, 8, 4};

    /** Reads an undeclared register, which both ptxas and the driver's JIT reject naming this line. */
    static final String UNDECLARED_REGISTER = """
            .version 8.0
            .target sm_80
            .address_size 64

            .visible .entry broken(
                .param .u64 broken_param_out
            )
            {
                .reg .b32 %r<2>;
                .reg .b64 %rd<3>;

                ld.param.u64 %rd1, [broken_param_out];
                cvta.to.global.u64 %rd2, %rd1;
                mov.u32 %r1, %r99;
                st.global.u32 [%rd2], %r1;
                ret;
            }
            """;

    /** The text the broken module's bad line contains. */
    static final String UNDECLARED_REGISTER_NAME = "%r99";

    private TestPtx() {
    }

    /** The 1-based number of the first line of {@code ptx} containing {@code text}. */
    static int lineOf(String ptx, String text) {
        String[] lines = ptx.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(text)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("no line contains " + text);
    }

    /** Line {@code line} of {@code ptx} as {@link PtxExcerpt} shows a line the log names, to find it in a message. */
    static String markedLine(String ptx, int line) {
        return String.format(">%5d | %s", line, ptx.split("\n", -1)[line - 1].stripTrailing());
    }
}
