package dev.loris.tornado.runtime.cuda;

import dev.loris.LorisException;

/** A CUDA driver call that returned an error, with the driver's own name for the code. */
public class CudaException extends LorisException {
    private final int code;

    public CudaException(String call, int code, String errorName, String hint) {
        super(call + " failed: " + errorName + " (" + code + ")", hint);
        this.code = code;
    }

    /** For subclasses whose message says more than the call and the code (a JIT log, sizes). */
    protected CudaException(String message, int code, String hint, Throwable cause) {
        super(message, hint, cause);
        this.code = code;
    }

    /** The CUresult value. */
    public int code() {
        return code;
    }
}
