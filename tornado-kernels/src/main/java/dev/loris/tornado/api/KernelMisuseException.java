package dev.loris.tornado.api;

import dev.loris.LorisException;

/**
 * A kernel broke a rule of the {@link KernelContext} contract that a GPU would not report but answer with a
 * hang or garbage: work-items of a group reaching different barriers, allocating different local arrays,
 * calling a simd operation on an incomplete warp, or synchronising in a run declared independent. The JVM
 * backend checks these rules so kernels are fixed before they reach a device.
 */
public final class KernelMisuseException extends LorisException {
    public KernelMisuseException(String message, String hint) {
        super(message, hint);
    }
}
