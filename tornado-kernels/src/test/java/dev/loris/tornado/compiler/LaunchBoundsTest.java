package dev.loris.tornado.compiler;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.LaunchBounds;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code @LaunchBounds} becomes the entry's .maxntid / .minnctapersm, which ptxas accepts, and nothing without it. */
class LaunchBoundsTest {
    @LaunchBounds(maxGroupSize = 256, minGroupsPerProcessor = 4)
    static void bounded(KernelContext ctx, FloatArray a) {
        a.set(ctx.globalIdx, 2f * a.get(ctx.globalIdx));
    }

    static void unbounded(KernelContext ctx, FloatArray a) {
        a.set(ctx.globalIdx, 2f * a.get(ctx.globalIdx));
    }

    @Test
    void theAnnotationBoundsTheEntry() throws Exception {
        String text = ptx("bounded");
        assertTrue(text.contains(")\n.maxntid 256, 1, 1\n.minnctapersm 4\n{"), text);
        Ptxas.assertAssembles(text, "sm_90");
        assertFalse(ptx("unbounded").contains(".maxntid"));
    }

    private static String ptx(String name) throws Exception {
        Method kernel = LaunchBoundsTest.class.getDeclaredMethod(name, KernelContext.class, FloatArray.class);
        return KernelCompiler.ptx(kernel, Map.of(), new PtxEmitter.Options("sm_90", false));
    }
}
