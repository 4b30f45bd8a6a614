package dev.loris.tornado.compiler;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/** Small kernels exercising the compiler's control flow and semantics; each has a plain-Java twin in the test. */
final class SampleKernels {
    private SampleKernels() {
    }

    static void axpy(KernelContext ctx, FloatArray x, FloatArray y, float a, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** Loops with break and continue, nested ifs, a ternary, integer division and shifts with Java semantics. */
    static void controlFlow(KernelContext ctx, IntArray in, IntArray out, int n, int width) {
        int row = ctx.globalIdx;
        if (row >= n) {
            return;
        }
        int acc = 0;
        for (int j = 0; j < width; j++) {
            int v = in.get(row * width + j);
            if (v == 0) {
                continue;
            }
            if (v < -1000) {
                break;
            }
            acc += v > 0 ? v / 3 : (v << 3) >>> 1;
            if ((v & 1) == 0) {
                acc ^= v % 7;
            }
        }
        out.set(row, acc);
    }

    static int controlFlowReference(int[] in, int row, int width) {
        int acc = 0;
        for (int j = 0; j < width; j++) {
            int v = in[row * width + j];
            if (v == 0) {
                continue;
            }
            if (v < -1000) {
                break;
            }
            acc += v > 0 ? v / 3 : (v << 3) >>> 1;
            if ((v & 1) == 0) {
                acc ^= v % 7;
            }
        }
        return acc;
    }

    static float silu(float g) {
        return g / (1f + TornadoMath.exp(-g));
    }

    static void swiglu(KernelContext ctx, FloatArray gate, FloatArray up, FloatArray out, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            out.set(i, silu(gate.get(i)) * up.get(i));
        }
    }

    static void allocates(KernelContext ctx, FloatArray x) {
        float[] scratch = new float[ctx.globalIdx + 1];
        x.set(ctx.globalIdx, scratch[0]);
    }
}
