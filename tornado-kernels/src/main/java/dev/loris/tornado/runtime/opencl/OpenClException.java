package dev.loris.tornado.runtime.opencl;

import dev.loris.LorisException;

/** An OpenCL call that returned an error code, with the code's name from cl.h. */
public class OpenClException extends LorisException {
    private final int code;

    public OpenClException(String call, int code, String hint) {
        super(call + " failed: " + OpenClErrors.name(code) + " (" + code + ")", hint);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
