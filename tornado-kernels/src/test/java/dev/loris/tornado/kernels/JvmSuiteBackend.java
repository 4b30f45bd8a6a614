package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;

/**
 * The JVM backend: the kernel method itself, called once per work-item by {@link JvmKernelRunner}. Kernels
 * whose work-items wait for each other (barriers, local arrays, warp operations) run COOPERATIVE, one
 * virtual thread per work-item; the rest run INDEPENDENT, far cheaper. The compiler's graph tells which;
 * a kernel it rejects runs COOPERATIVE, which is correct for every kernel.
 */
final class JvmSuiteBackend implements SuiteBackend {
    private static final Set<Op> COOPERATION = Set.of(Op.BARRIER, Op.LOCAL_ARRAY, Op.SHUFFLE_DOWN, Op.SHUFFLE_XOR,
            Op.SHUFFLE_IDX);

    @Override
    public String name() {
        return "JVM";
    }

    @Override
    public void run(Method kernel, Map<Integer, Object> constants, int[] global, int[] local, Object... javaArgs) {
        MethodHandle call = spreading(kernel, javaArgs.length);
        long[] globalSizes = new long[global.length];
        for (int d = 0; d < global.length; d++) {
            globalSizes[d] = global[d];
        }
        JvmKernelRunner.run(ctx -> invoke(call, ctx, javaArgs), globalSizes, local, mode(kernel, constants));
    }

    @Override
    public boolean warpOperations() {
        return true;
    }

    @Override
    public long maxArrayBytes() {
        return Long.MAX_VALUE;
    }

    @Override
    public String toString() {
        return name();
    }

    private static JvmKernelRunner.Mode mode(Method kernel, Map<Integer, Object> constants) {
        try {
            Graph graph = KernelCompiler.graph(kernel, constants);
            for (Block block : graph.blocks) {
                for (Value value : block.values) {
                    if (COOPERATION.contains(value.op)) {
                        return JvmKernelRunner.Mode.COOPERATIVE;
                    }
                }
            }
            return JvmKernelRunner.Mode.INDEPENDENT;
        } catch (KernelCompileException e) {
            return JvmKernelRunner.Mode.COOPERATIVE;
        }
    }

    /** (KernelContext, Object[]) -> void over the kernel, so each work-item's call is one invokeExact. */
    private static MethodHandle spreading(Method kernel, int argCount) {
        try {
            kernel.setAccessible(true);
            return MethodHandles.lookup().unreflect(kernel)
                    .asSpreader(Object[].class, argCount)
                    .asType(MethodType.methodType(void.class, KernelContext.class, Object[].class));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call kernel " + kernel, e);
        }
    }

    private static void invoke(MethodHandle call, KernelContext ctx, Object[] args) {
        try {
            call.invokeExact(ctx, args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
