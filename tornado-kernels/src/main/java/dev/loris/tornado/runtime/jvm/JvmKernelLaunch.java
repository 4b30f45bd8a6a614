package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.DivisionByZeroException;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;
import dev.loris.tornado.runtime.KernelSignature.Kind;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Launches on the JVM: the kernel method with every argument bound but the KernelContext, run over the grid
 * by {@link JvmKernelRunner}. The bound body (a {@link DirectKernelBodies} instance, or else a method handle with
 * the arguments inserted) is rebuilt only after an argument changed. Runs to completion before returning (the
 * stream is only checked for its accelerator). A division by zero the kernel throws becomes the
 * {@link DivisionByZeroException} devices raise, so callers handle one exception everywhere.
 */
final class JvmKernelLaunch extends KernelLaunch {
    private static final MethodType BODY = MethodType.methodType(void.class, KernelContext.class);

    private final MethodHandle kernelHandle;
    /** (Object[] arguments) -> KernelBody calling the kernel directly; null where none could be made. */
    private final MethodHandle directBodies;
    private final JvmKernelRunner.Mode mode;
    private final Object[] arguments;
    private JvmKernelRunner.KernelBody body;

    JvmKernelLaunch(CompiledKernel kernel, MethodHandle kernelHandle, MethodHandle directBodies,
                    JvmKernelRunner.Mode mode) {
        super(kernel);
        this.kernelHandle = kernelHandle;
        this.directBodies = directBodies;
        this.mode = mode;
        this.arguments = new Object[signature.parameterCount()];
    }

    @Override
    protected void bindArray(int parameter, int slot, DeviceArray array) {
        bind(parameter, ((JvmDeviceArray) array).array());
    }

    @Override
    protected void bindInt(int parameter, int slot, int value) {
        Class<?> type = signature.javaTypes[parameter];
        bind(parameter, type == boolean.class ? (Object) (value != 0) : type == byte.class ? (Object) (byte) value
                : type == short.class ? (Object) (short) value : type == char.class ? (Object) (char) value : value);
    }

    @Override
    protected void bindLong(int parameter, int slot, long value) {
        bind(parameter, value);
    }

    @Override
    protected void bindFloat(int parameter, int slot, float value) {
        bind(parameter, value);
    }

    @Override
    protected void bindDouble(int parameter, int slot, double value) {
        bind(parameter, value);
    }

    private void bind(int parameter, Object value) {
        arguments[parameter] = value;
        body = null;
    }

    @Override
    protected void enqueue(int dims, long gx, long gy, long gz, int lx, int ly, int lz, DeviceStream stream) {
        if (body == null) {
            body = directBodies != null ? directBody() : handleBody(bindAllButContext());
        }
        long[] global = dims == 1 ? new long[] {gx} : dims == 2 ? new long[] {gx, gy} : new long[] {gx, gy, gz};
        int[] local = dims == 1 ? new int[] {lx} : dims == 2 ? new int[] {lx, ly} : new int[] {lx, ly, lz};
        try {
            JvmKernelRunner.run(body, global, local, mode);
        } catch (KernelFailedException e) {
            if (e.getCause() instanceof ArithmeticException division && "/ by zero".equals(division.getMessage())
                    && division.getStackTrace().length > 0) {
                // The first frame is the division, in the kernel or a method it calls, as devices report it.
                throw new DivisionByZeroException(signature.kernelName, division.getStackTrace()[0],
                        kernel.accelerator().spec(), e);
            }
            throw e;
        }
    }

    @Override
    protected void bindFaultWord(int slot, int codeBase) {
        throw new IllegalStateException("JVM kernels are compiled without division checks: the method throws");
    }

    /** The kernel as (KernelContext) -> void: every other argument inserted, the context passed to each. */
    private MethodHandle bindAllButContext() {
        MethodHandle handle = kernelHandle;
        for (int p = arguments.length - 1; p >= 0; p--) {
            if (signature.kinds[p] != Kind.CONTEXT) {
                handle = MethodHandles.insertArguments(handle, p, arguments[p]);
            }
        }
        // Whatever is left are KernelContext parameters (normally one, possibly none): each gets the work-item's.
        return MethodHandles.permuteArguments(handle, BODY, new int[handle.type().parameterCount()]);
    }

    private JvmKernelRunner.KernelBody directBody() {
        try {
            return (JvmKernelRunner.KernelBody) directBodies.invokeExact(arguments.clone());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot bind the arguments of " + signature.kernelName, t);
        }
    }

    private static JvmKernelRunner.KernelBody handleBody(MethodHandle bound) {
        return ctx -> invoke(bound, ctx);
    }

    private static void invoke(MethodHandle body, KernelContext ctx) {
        try {
            body.invokeExact(ctx);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("kernel threw a checked exception", t);
        }
    }
}
