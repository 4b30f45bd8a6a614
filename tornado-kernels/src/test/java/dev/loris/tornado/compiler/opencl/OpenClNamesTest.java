package dev.loris.tornado.compiler.opencl;

import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java names that OpenCL C reserves or defines (built-in functions, address-space keywords, the emitter's own
 * variable names) still compile and launch by the kernel's method name, because every name from Java is
 * prefixed in the OpenCL C text.
 */
class OpenClNamesTest {
    /** Named like the built-in mix(); parameters named like a keyword, a built-in used inside, and a value. */
    static void mix(KernelContext ctx, FloatArray global, FloatArray exp, float sqrt, int v1) {
        int i = ctx.globalIdx;
        if (i < global.getSize()) {
            global.set(i, exp.get(i) * TornadoMath.sqrt(sqrt) + v1);
        }
    }

    /** A dollar sign is a Java identifier character but not a C one. */
    static void clamp$Kernel(KernelContext ctx, FloatArray out) {
        out.set(ctx.globalIdx, ctx.globalIdx);
    }

    @Test
    void namesFromJavaArePrefixedInTheText() throws NoSuchMethodException {
        String source = KernelCompiler.openCl(OpenClNamesTest.class.getDeclaredMethod("mix", KernelContext.class,
                FloatArray.class, FloatArray.class, float.class, int.class), Map.of());
        assertTrue(source.contains("__kernel void loris_kernel_mix(__global float *p_global, long p_global_length, "
                + "__global float *p_exp, long p_exp_length, float p_sqrt, int p_v1)"), source);
        assertEquals("loris_kernel_clamp_u24Kernel", OpenClEmitter.entryName("clamp$Kernel"));
    }

    @Test
    void noHelperCanBeMistakenForAKernel() {
        for (String helper : OpenClPrelude.HELPERS.keySet()) {
            assertFalse(helper.startsWith(OpenClNames.KERNEL_PREFIX), helper);
        }
    }

    @Test
    @RequiresOpenCl
    void kernelsNamedLikeBuiltInsRunThroughTheAccelerator() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 100 + random.nextInt(900);
        float root = 1 + random.nextFloat() * 8;
        int offset = random.nextInt(100) - 50;
        float[] in = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = random.nextFloat() * 2 - 1;
        }
        FloatArray out = new FloatArray(n);
        FloatArray ids = new FloatArray(64);
        try (Accelerator acc = Accelerator.open("opencl"); DeviceArray dout = acc.allocate(FloatArray.class, n);
             DeviceArray din = acc.upload(FloatArray.fromArray(in));
             DeviceArray dids = acc.allocate(FloatArray.class, 64)) {
            dout.poison();
            dids.poison();
            acc.compile(OpenClNamesTest.class, "mix", Map.of()).launcher()
                    .setArguments(null, dout, din, root, offset)
                    .launch((n + 63) / 64 * 64L, 64, acc.defaultStream());
            acc.compile(OpenClNamesTest.class, "clamp$Kernel", Map.of()).launcher()
                    .setArguments(null, dids).launch(64, 32, acc.defaultStream());
            dout.copyTo(out);
            dids.copyTo(ids);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(in[i] * (float) Math.sqrt(root) + offset, out.get(i), 0f, "seed " + seed + " element " + i);
        }
        for (int i = 0; i < 64; i++) {
            assertEquals(i, ids.get(i), 0f, "element " + i);
        }
    }
}
