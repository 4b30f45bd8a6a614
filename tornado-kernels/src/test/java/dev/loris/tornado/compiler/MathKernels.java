package dev.loris.tornado.compiler;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;

/**
 * One kernel per transcendental function, each applying it element-wise: out[i] = f(x[i]) (pow: x[i]^y[i]).
 * All share one signature so a test can launch any of them the same way; unary kernels ignore y. (Named
 * applyExp and so on: a kernel called exp would clash with the OpenCL built-in.)
 */
final class MathKernels {
    private MathKernels() {
    }

    static void applyExp(KernelContext ctx, FloatArray x, FloatArray y, FloatArray out, int n) {
        if (ctx.globalIdx < n) {
            out.set(ctx.globalIdx, TornadoMath.exp(x.get(ctx.globalIdx)));
        }
    }

    static void applyLog(KernelContext ctx, FloatArray x, FloatArray y, FloatArray out, int n) {
        if (ctx.globalIdx < n) {
            out.set(ctx.globalIdx, TornadoMath.log(x.get(ctx.globalIdx)));
        }
    }

    static void applySin(KernelContext ctx, FloatArray x, FloatArray y, FloatArray out, int n) {
        if (ctx.globalIdx < n) {
            out.set(ctx.globalIdx, TornadoMath.sin(x.get(ctx.globalIdx)));
        }
    }

    static void applyCos(KernelContext ctx, FloatArray x, FloatArray y, FloatArray out, int n) {
        if (ctx.globalIdx < n) {
            out.set(ctx.globalIdx, TornadoMath.cos(x.get(ctx.globalIdx)));
        }
    }

    static void applyTanh(KernelContext ctx, FloatArray x, FloatArray y, FloatArray out, int n) {
        if (ctx.globalIdx < n) {
            out.set(ctx.globalIdx, TornadoMath.tanh(x.get(ctx.globalIdx)));
        }
    }

    static void applyPow(KernelContext ctx, FloatArray x, FloatArray y, FloatArray out, int n) {
        if (ctx.globalIdx < n) {
            out.set(ctx.globalIdx, TornadoMath.pow(x.get(ctx.globalIdx), y.get(ctx.globalIdx)));
        }
    }
}
