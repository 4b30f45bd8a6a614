package dev.loris.tornado.compiler;

import dev.loris.LorisException;

/**
 * A kernel method uses something the compiler cannot translate (allocation, a virtual call, recursion,
 * exceptions, a field write...). The message names the class, method and Java source line.
 */
public class KernelCompileException extends LorisException {
    public KernelCompileException(String where, String problem) {
        super("cannot compile kernel " + where + ": " + problem,
                "kernels may use primitives, Loris arrays, KernelContext, TornadoMath and static helper methods only");
    }
}
