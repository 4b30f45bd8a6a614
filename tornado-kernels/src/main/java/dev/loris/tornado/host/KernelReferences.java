package dev.loris.tornado.host;

import dev.loris.LorisException;

import java.io.Serializable;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Finds the kernel method a task's method reference names. Serializable lambdas carry a writeReplace method
 * that returns their {@link SerializedLambda}: the implementation class, name and descriptor of the method
 * they call. A reference {@code Kernels::axpy} compiles to a direct call of axpy; a lambda
 * {@code (a, b) -> axpy(a, b)} to a synthetic method, which is refused, as are instance methods.
 */
final class KernelReferences {
    private KernelReferences() {
    }

    static Method kernelOf(Serializable reference, String taskId) {
        SerializedLambda lambda = serialized(reference, taskId);
        if (lambda.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic || lambda.getCapturedArgCount() != 0) {
            throw notAReference(taskId, "it names " + lambda.getImplMethodName() + ", which is not a static method");
        }
        Class<?> owner;
        try {
            owner = Class.forName(lambda.getImplClass().replace('/', '.'), false,
                    reference.getClass().getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the class of task " + taskId + "'s kernel is not loadable", e);
        }
        for (Method method : owner.getDeclaredMethods()) {
            if (method.getName().equals(lambda.getImplMethodName())
                    && descriptor(method).equals(lambda.getImplMethodSignature())) {
                if (method.isSynthetic() || !Modifier.isStatic(method.getModifiers())) {
                    throw notAReference(taskId, "it is a lambda expression");
                }
                return method;
            }
        }
        throw new IllegalStateException("task " + taskId + ": " + owner.getName() + " has no method "
                + lambda.getImplMethodName() + lambda.getImplMethodSignature());
    }

    private static SerializedLambda serialized(Serializable reference, String taskId) {
        try {
            Method writeReplace = reference.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            if (writeReplace.invoke(reference) instanceof SerializedLambda lambda) {
                return lambda;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw notAReference(taskId, "it is a " + reference.getClass().getName() + " object");
        }
        throw notAReference(taskId, "it is a " + reference.getClass().getName() + " object");
    }

    private static String descriptor(Method method) {
        return java.lang.invoke.MethodType.methodType(method.getReturnType(), method.getParameterTypes())
                .toMethodDescriptorString();
    }

    private static LorisException notAReference(String taskId, String what) {
        return new LorisException("task " + taskId + " must name its kernel by a static method reference, but " + what,
                "write task(\"" + taskId + "\", MyKernels::kernel, args...) with a static kernel method");
    }
}
