package dev.loris.tornado.host;

/**
 * What {@link TornadoExecutionPlan#execute()} returns (TornadoVM's name): the execution has finished, and
 * arrays the graphs left on the device (UNDER_DEMAND, persistOnDevice) can be copied to the host from here.
 */
public final class TornadoExecutionResult {
    private final PlanDevice device;

    TornadoExecutionResult(PlanDevice device) {
        this.device = device;
    }

    /** Copies each of {@code arrays} from its device copy to the host array itself, synchronously. */
    public TornadoExecutionResult transferToHost(Object... arrays) {
        for (Object array : arrays) {
            device.copyToHost(array);
        }
        return this;
    }

    /** Always true: execute() returns once the device has finished. */
    public boolean isReady() {
        return true;
    }
}
