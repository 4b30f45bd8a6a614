package dev.loris.tornado.host.enums;

/**
 * When a task graph copies an array between host and device (TornadoVM's constants, same values). The modes
 * matter on devices with their own memory; on the JVM device arrays are the host arrays themselves, so no
 * copy happens in any mode and kernels see host writes at once.
 */
public final class DataTransferMode {
    /** Copied at the plan's first execution only, then resident: for weights and other read-only inputs. */
    public static final int FIRST_EXECUTION = 0;
    /** Copied at every execution: for inputs the host changes between executions, outputs it reads after each. */
    public static final int EVERY_EXECUTION = 1;
    /** Never copied by the graph; the host asks with TornadoExecutionResult.transferToHost (device to host). */
    public static final int UNDER_DEMAND = 2;

    private DataTransferMode() {
    }

    /** "FIRST_EXECUTION" for 0, and so on; for error messages. */
    public static String name(int mode) {
        return switch (mode) {
            case FIRST_EXECUTION -> "FIRST_EXECUTION";
            case EVERY_EXECUTION -> "EVERY_EXECUTION";
            case UNDER_DEMAND -> "UNDER_DEMAND";
            default -> "mode " + mode;
        };
    }
}
