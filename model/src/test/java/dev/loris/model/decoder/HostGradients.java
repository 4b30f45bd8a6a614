package dev.loris.model.decoder;

import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A {@link GradientSink} for tests: a zeroed f32 array for each parameter it trains (those {@code trains}
 * accepts), read back to the host by name. Tests compare these with transformers' and PEFT's gradients.
 */
public final class HostGradients implements GradientSink, AutoCloseable {
    private final Accelerator accelerator;
    private final Predicate<String> trains;
    private final Map<String, DeviceArray> arrays = new LinkedHashMap<>();

    public HostGradients(Accelerator accelerator, Predicate<String> trains) {
        this.accelerator = accelerator;
        this.trains = trains;
    }

    /** Every parameter trains. */
    public static HostGradients all(Accelerator accelerator) {
        return new HostGradients(accelerator, name -> true);
    }

    @Override
    public Slot slot(String name, long elements) {
        if (!trains.test(name)) {
            return null;
        }
        DeviceArray array = arrays.computeIfAbsent(name, n -> {
            DeviceArray zeroed = accelerator.allocate(FloatArray.class, elements);
            zeroed.fillBytes((byte) 0);
            return zeroed;
        });
        if (array.length() != elements) {
            throw new IllegalStateException(name + " asked for with " + elements + " and " + array.length() + " values");
        }
        return Slot.of(array);
    }

    /** The gradients asked for so far, by name, as f32 host arrays. */
    public Map<String, float[]> read() {
        Map<String, float[]> host = new LinkedHashMap<>();
        arrays.forEach((name, array) -> host.put(name, HostCopies.floats(array)));
        return host;
    }

    @Override
    public void close() {
        arrays.values().forEach(DeviceArray::close);
        arrays.clear();
    }
}
