package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * One-element arrays of each {@link GemmType}, bound once to the typed slots a compiled GEMM kernel variant
 * never reads (its type codes are constants), so that launches need no real array there.
 */
final class GemmPlaceholders implements AutoCloseable {
    private final DeviceArray[] arrays = new DeviceArray[GemmType.values().length];

    GemmPlaceholders(Accelerator accelerator) {
        try {
            for (GemmType type : GemmType.values()) {
                arrays[type.ordinal()] = accelerator.allocate(type.arrayType, 1);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The placeholder of the type with ordinal {@code type}. */
    DeviceArray of(int type) {
        return arrays[type];
    }

    @Override
    public void close() {
        for (DeviceArray array : arrays) {
            if (array != null) {
                array.close();
            }
        }
    }
}
