package dev.loris.tornado.runtime.opencl;

import dev.loris.LorisException;

/** An OpenCL call that returned an error code, with the code's name from cl.h. */
public class OpenClException extends LorisException {
    private final int code;

    public OpenClException(String call, int code, String hint) {
        super(call + " failed: " + codeText(code), hint);
        this.code = code;
    }

    /** For subclasses that can say more than the call's name (which buffer, which source line). */
    protected OpenClException(int code, String message, String hint) {
        super(message, hint);
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** "CL_INVALID_VALUE (-30)", as messages quote a code. */
    static String codeText(int code) {
        return OpenClErrors.name(code) + " (" + code + ")";
    }
}
