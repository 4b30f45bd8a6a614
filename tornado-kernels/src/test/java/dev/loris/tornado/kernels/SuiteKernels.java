package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Every kernel of the suite: the public static methods of the kernel classes that take a KernelContext first. */
final class SuiteKernels {
    // One class per line, each with its trailing comma (an array initializer allows it), so that adding a
    // kernel class adds a line and touches no other.
    private static final List<Class<?>> KERNEL_CLASSES = List.of(new Class<?>[] {
            Axpy.class,
            SwiGlu.class,
            RowReductions.class,
            Softmax.class,
            RmsNorm.class,
            Nf4.class,
            Histogram.class,
            ControlFlowKernel.class,
            LargeIndex.class,
            AttentionDecode.class,
            Rope.class,
            Embedding.class,
            Elementwise.class,
            RmsNormBackward.class,
            SwiGluBackward.class,
            GeGlu.class,
            GeGluBackward.class,
            GemmaRmsNorm.class,
            CrossEntropy.class,
            AttentionForward.class,
            AttentionBackward.class,
    });

    private SuiteKernels() {
    }

    static Stream<Method> all() {
        return KERNEL_CLASSES.stream().flatMap(c -> Arrays.stream(c.getDeclaredMethods())
                .filter(SuiteKernels::isKernel)
                .sorted(Comparator.comparing(Method::getName)));
    }

    private static boolean isKernel(Method m) {
        return Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers())
                && m.getParameterCount() > 0 && m.getParameterTypes()[0] == KernelContext.class;
    }
}
