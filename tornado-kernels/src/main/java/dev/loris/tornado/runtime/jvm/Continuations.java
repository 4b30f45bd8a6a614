package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelMisuseException;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The JDK's one-shot delimited continuations ({@code jdk.internal.vm.Continuation}, what virtual threads are
 * made of), used directly: a work-item of a cooperative group is a continuation, a barrier suspends it with
 * {@link #suspend} and the group's thread resumes it with {@link #resume}. Switching costs about 0.1 us where a
 * virtual thread's park and unpark through the scheduler cost several times that.
 *
 * <p>The class is internal to java.base: the JVM must be started with
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} (the loris launcher, the Maven build's tests and
 * the GPU scripts pass it). Without it {@link #AVAILABLE} is false and the runner falls back to a virtual thread
 * per work-item ({@link CooperativeGroup}). The calls go through static final method handles, which the JIT
 * compiles as direct calls, so Loris compiles against {@code --release} without naming the internal class.
 *
 * <p>A continuation cannot suspend with a native frame on its stack (a kernel that reaches a barrier inside a
 * callback from native code); the work-item then gets a {@link KernelMisuseException}. A barrier inside
 * {@code synchronized} code hangs here as with virtual threads (the others block on the monitor): devices have
 * no monitors, so kernels have no business holding one.
 */
final class Continuations {
    /** Whether continuations can be used in this JVM (see the class comment). */
    static final boolean AVAILABLE;
    /** Why not, when they cannot (for the backend's description). */
    static final String UNAVAILABLE_REASON;

    private static final Object SCOPE;
    private static final MethodHandle NEW;      // (Object scope, Runnable) Object
    private static final MethodHandle RUN;      // (Object) void
    private static final MethodHandle YIELD;    // (Object scope) boolean

    static {
        Object scope = null;
        MethodHandle create = null;
        MethodHandle run = null;
        MethodHandle yield = null;
        String reason = null;
        try {
            Class<?> continuation = Class.forName("jdk.internal.vm.Continuation");
            Class<?> scopeClass = Class.forName("jdk.internal.vm.ContinuationScope");
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            scope = lookup.findConstructor(scopeClass, MethodType.methodType(void.class, String.class))
                    .invoke("loris-work-item");
            create = lookup.findConstructor(continuation,
                            MethodType.methodType(void.class, scopeClass, Runnable.class))
                    .asType(MethodType.methodType(Object.class, Object.class, Runnable.class));
            run = lookup.findVirtual(continuation, "run", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            yield = lookup.findStatic(continuation, "yield", MethodType.methodType(boolean.class, scopeClass))
                    .asType(MethodType.methodType(boolean.class, Object.class));
        } catch (IllegalAccessException e) {
            reason = "start the JVM with --add-exports java.base/jdk.internal.vm=ALL-UNNAMED";
        } catch (Throwable e) {
            reason = "this JVM has no usable jdk.internal.vm.Continuation (" + e + ")";
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
        SCOPE = scope;
        NEW = create;
        RUN = run;
        YIELD = yield;
    }

    private Continuations() {
    }

    /** A new continuation that will run {@code body} from its first {@link #resume}. */
    static Object create(Runnable body) {
        try {
            return NEW.invokeExact(SCOPE, body);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Runs {@code continuation} on the calling thread until it suspends or its body ends. */
    static void resume(Object continuation) {
        try {
            RUN.invokeExact(continuation);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Suspends the running continuation; returns when it is resumed. {@code where} names the call for the
     * error when the stack cannot be suspended (a monitor or native frame on it).
     */
    static void suspend(String where) {
        try {
            boolean suspended = (boolean) YIELD.invokeExact(SCOPE);
            if (!suspended) {
                throw pinned(where, "the JVM could not suspend the work-item");
            }
        } catch (IllegalStateException e) {
            // Continuation.onPinned's exception: a monitor, a native frame or a critical section on the stack.
            throw e.getMessage() != null && e.getMessage().startsWith("Pinned") ? pinned(where, e.getMessage()) : e;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static KernelMisuseException pinned(String where, String detail) {
        return new KernelMisuseException(where + " was reached inside a synchronized block or a native call ("
                + detail + "), where the JVM cannot suspend a work-item",
                "keep barriers and simd operations out of callbacks from native code and out of synchronized code");
    }
}
