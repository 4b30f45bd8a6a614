package dev.loris.tornado.api;

/**
 * A kernel divided an integer by zero ({@code /} or {@code %} on int or long), which Java answers with an
 * ArithmeticException: this is one, so code that catches ArithmeticException keeps working, raised the same
 * way on every backend. It names the division's source position (the kernel, or the method inlined into
 * it), the kernel and the device; the first frame of its stack trace is that position, as a JVM's own
 * exception would show.
 *
 * <p>On the JVM it is raised by the launch itself. Devices cannot throw: they record the first faulting
 * division of a run and go on with 0 as its result, and the host raises this at its next synchronisation
 * point (accelerator or stream synchronize, a blocking copy back, an execution plan's execute), as CUDA
 * reports its errors. Results of the launch that faulted, and possibly of launches queued with it, are
 * undefined. The accelerator stays usable.
 *
 * <p>Not a LorisException (it cannot be both), but it carries the same {@link #hint()}.
 */
public final class DivisionByZeroException extends ArithmeticException {
    private final String kernelName;
    private final StackTraceElement site;
    private final String device;

    /**
     * {@code kernelName}: "Class.method" as launch errors name kernels; {@code site}: the division;
     * {@code device}: the accelerator's spec, e.g. "cuda:0".
     */
    public DivisionByZeroException(String kernelName, StackTraceElement site, String device, Throwable cause) {
        super(message(kernelName, site, device));
        this.kernelName = kernelName;
        this.site = site;
        this.device = device;
        if (cause != null) {
            initCause(cause);
        }
        StackTraceElement[] host = getStackTrace();
        StackTraceElement[] trace = new StackTraceElement[host.length + 1];
        trace[0] = site;
        System.arraycopy(host, 0, trace, 1, host.length);
        setStackTrace(trace);
    }

    private static String message(String kernelName, StackTraceElement site, String device) {
        String method = simpleClassName(site.getClassName()) + "." + site.getMethodName();
        String where = site.getClassName() + "." + site.getMethodName() + " (" + (site.getFileName() == null
                ? "unknown source" : site.getFileName()) + (site.getLineNumber() >= 0 ? ":" + site.getLineNumber()
                : "") + ")";
        String inlined = method.equals(kernelName) ? "" : ", called from kernel " + kernelName;
        return "/ by zero in " + where + inlined + ", on " + device
                + ": the device results of that launch are undefined; check the divisor";
    }

    private static String simpleClassName(String className) {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        return simple.substring(simple.lastIndexOf('$') + 1);
    }

    /** The kernel that faulted, "Class.method". */
    public String kernelName() {
        return kernelName;
    }

    /** The division that had a zero divisor: class, method, file and line. */
    public StackTraceElement site() {
        return site;
    }

    /** The accelerator's spec, e.g. "cuda:0", "opencl:1", "jvm". */
    public String device() {
        return device;
    }

    /** What to do about it, as {@link dev.loris.LorisException#hint()}. */
    public String hint() {
        return "on a device the fault surfaces at the first synchronisation after the launch: synchronise after "
                + "each launch to find which launch it was";
    }
}
