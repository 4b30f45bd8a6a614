package dev.loris.tornado.compiler;

import dev.loris.LorisException;
import dev.loris.tornado.compiler.ir.Value;

/**
 * A kernel method uses something the compiler cannot translate (allocation, a virtual call, recursion,
 * exceptions, a field write...). The message names the kernel's class and method and the Java source line;
 * for code inlined from a helper, the helper's method and line too.
 *
 * <p>The front end knows all of that when it fails. Passes and emitters know only a value: they raise
 * {@link #at(Value, String)}, and the compiler's entry points add the kernel with {@link #inKernel(String)}.
 */
public class KernelCompileException extends LorisException {
    private static final String HINT =
            "kernels may use primitives, Loris arrays, KernelContext, TornadoMath and static helper methods only";

    private final String where;
    private final String problem;
    /** The source position of the value an emitter failed on; null once the kernel is named. */
    private final transient StackTraceElement site;
    private final boolean namesKernel;

    public KernelCompileException(String where, String problem) {
        this(where, problem, null, true);
    }

    private KernelCompileException(String where, String problem, StackTraceElement site, boolean namesKernel) {
        super("cannot compile kernel " + where + ": " + problem, HINT);
        this.where = where;
        this.problem = problem;
        this.site = site;
        this.namesKernel = namesKernel;
    }

    /** An error about {@code v}, from a pass or an emitter that does not know the kernel's name. */
    public static KernelCompileException at(Value v, String problem) {
        String where = v.site != null ? v.site.getClassName() + "." + v.site.getMethodName() + " (line "
                + v.site.getLineNumber() + ")" : v.line >= 0 ? "line " + v.line : "an unknown line";
        return new KernelCompileException(where, problem, v.site, false);
    }

    /**
     * This error with the kernel named ({@code kernel}: "package.Class.method"): "Class.method (line N)" when
     * the failing code is the kernel's own, "Class.method, in Helper.method (line N)" when it was inlined.
     */
    public KernelCompileException inKernel(String kernel) {
        if (namesKernel) {
            return this;
        }
        String named;
        if (site == null) {
            named = kernel + (where.startsWith("line ") ? " (" + where + ")" : ", at " + where);
        } else if ((site.getClassName() + "." + site.getMethodName()).equals(kernel)) {
            named = kernel + " (line " + site.getLineNumber() + ")";
        } else {
            named = kernel + ", in " + where;
        }
        KernelCompileException named2 = new KernelCompileException(named, problem, null, true);
        named2.setStackTrace(getStackTrace());
        return named2;
    }

    /** What went wrong, without the position. */
    public String problem() {
        return problem;
    }

    /** Where: the kernel (once named), the method and the line. */
    public String where() {
        return where;
    }
}
