package dev.loris.tornado.gemm;

import dev.loris.LorisException;

/**
 * A vendor GEMM library (cuBLASLt, CLBlast) returned an error status: the library, the call, the numeric
 * code and its name from the library's header, so a report names "CUBLAS_STATUS_NOT_SUPPORTED (15)" rather
 * than a bare number. Each library keeps its own table of names and hints; this is the one exception type
 * they raise.
 */
public class GemmLibraryException extends LorisException {
    private final String library;
    private final int code;
    private final String codeName;

    public GemmLibraryException(String library, String call, int code, String codeName, String detail, String hint) {
        super(library + " " + call + " failed: " + codeName + " (" + code + ")"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail), hint);
        this.library = library;
        this.code = code;
        this.codeName = codeName;
    }

    /** "cuBLASLt" or "CLBlast". */
    public String library() {
        return library;
    }

    /** The status code as the library returned it. */
    public int code() {
        return code;
    }

    /** The code's name in the library's header, e.g. "CLBlastInvalidLeadDimA"; "unknown status" if not listed. */
    public String codeName() {
        return codeName;
    }
}
