package dev.loris.tornado.runtime.jvm;

import dev.loris.LorisException;

/**
 * A kernel run on the JVM failed: a work-item threw, or the group's work-items broke the barrier or simd
 * rules so that they could not proceed. The message names the first work-item that failed and carries its
 * cause (with the kernel's stack trace); other work-items of the run were stopped, not left hanging.
 */
public final class KernelFailedException extends LorisException {
    KernelFailedException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }
}
