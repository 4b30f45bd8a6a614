package dev.loris.tornado.runtime.cuda;

/**
 * The driver's PTX JIT rejected a module. The message carries the JIT's error log and the PTX lines the log
 * names (with a few lines around each), because the PTX is generated and the user has no file to open.
 */
public final class CudaModuleLoadException extends CudaException {
    private final String errorLog;
    private final String ptx;

    CudaModuleLoadException(CudaDevice device, int code, String errorName, String errorLog, String ptx) {
        super(message(device, code, errorName, errorLog, ptx), code, CudaErrors.hint(code), (Throwable) null);
        this.errorLog = errorLog;
        this.ptx = ptx;
    }

    private static String message(CudaDevice device, int code, String errorName, String errorLog, String ptx) {
        StringBuilder message = new StringBuilder("cuModuleLoadDataEx failed on ").append(device).append(": ")
                .append(errorName).append(" (").append(code).append(")\n");
        if (errorLog.isBlank()) {
            message.append("The JIT wrote no error log.");
        } else {
            message.append("JIT error log:\n").append(errorLog.strip());
        }
        String excerpt = PtxExcerpt.around(ptx, errorLog);
        if (!excerpt.isEmpty()) {
            message.append("\n").append(excerpt);
        }
        return message.toString();
    }

    /** The JIT's error log as it wrote it; may be empty. */
    public String errorLog() {
        return errorLog;
    }

    /** The PTX text that was rejected. */
    public String ptx() {
        return ptx;
    }
}
