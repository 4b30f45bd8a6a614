package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The generated kernel calls: every parameter kind reaches a private kernel intact; what cannot be made is null. */
class DirectKernelBodiesTest {
    private static final long SEED = System.nanoTime();

    /** Writes each argument (and the context's id, from both context parameters) into out. */
    @SuppressWarnings("unused")
    private static void everyKind(KernelContext ctx, boolean flag, byte b, short s, char c, int i, long l, float f,
                                  double d, FloatArray out, KernelContext again, IntArray ids) {
        out.set(0, flag ? 1 : 0);
        out.set(1, b);
        out.set(2, s);
        out.set(3, c);
        out.set(4, i);
        out.set(5, l);
        out.set(6, f);
        out.set(7, (float) d);
        ids.set(ctx.globalIdx, ctx.globalIdx + again.globalIdx);
    }

    @SuppressWarnings("unused")
    private static void failing(KernelContext ctx, int divisor) {
        int unused = ctx.globalIdx / divisor;
    }

    @SuppressWarnings("unused")
    private void instanceKernel(KernelContext ctx) {
    }

    @Test
    void everyParameterKindReachesAPrivateKernel() throws Throwable {
        Random random = new Random(SEED);
        Method kernel = method("everyKind");
        MethodHandle factory = DirectKernelBodies.factory(kernel);
        assertNotNull(factory, "a static kernel in an open package gets a direct body");
        FloatArray out = new FloatArray(8);
        IntArray ids = new IntArray(64);
        byte b = (byte) random.nextInt();
        short s = (short) random.nextInt();
        char c = (char) random.nextInt(Character.MAX_VALUE);
        int i = random.nextInt(1 << 20);
        long l = random.nextInt(1 << 20);
        float f = random.nextFloat();
        double d = random.nextDouble();
        Object[] arguments = {null, true, b, s, c, i, l, f, d, out, null, ids};
        JvmKernelRunner.KernelBody body = (JvmKernelRunner.KernelBody) factory.invokeExact(arguments);
        JvmKernelRunner.run(body, new long[] {64}, new int[] {16}, JvmKernelRunner.Mode.INDEPENDENT);
        float[] expected = {1, b, s, c, i, l, f, (float) d};
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], out.get(k), "argument " + (k + 1) + ", seed " + SEED);
        }
        for (int id = 0; id < 64; id++) {
            assertEquals(2 * id, ids.get(id), "both context parameters are the work-item's");
        }
    }

    @Test
    void exceptionsComeFromTheKernelFrame() throws Throwable {
        JvmKernelRunner.KernelBody body = (JvmKernelRunner.KernelBody) DirectKernelBodies.factory(method("failing"))
                .invokeExact(new Object[] {null, 0});
        KernelFailedException e = assertThrows(KernelFailedException.class,
                () -> JvmKernelRunner.run(body, new long[] {4}, new int[] {4}, JvmKernelRunner.Mode.INDEPENDENT));
        ArithmeticException cause = (ArithmeticException) e.getCause();
        assertEquals("failing", cause.getStackTrace()[0].getMethodName());
        assertEquals(DirectKernelBodiesTest.class.getName(), cause.getStackTrace()[0].getClassName());
    }

    @Test
    void instanceMethodsKeepTheMethodHandle() throws NoSuchMethodException {
        assertNull(DirectKernelBodies.factory(method("instanceKernel")));
    }

    private static Method method(String name) throws NoSuchMethodException {
        for (Method m : DirectKernelBodiesTest.class.getDeclaredMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new NoSuchMethodException(name);
    }
}
