package dev.loris.model.decoder;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.DeviceArray;

/** Device arrays of either precision read back as f32 host arrays, for logits, gradients, tests and saving. */
public final class HostCopies {
    private HostCopies() {
    }

    /** The array's values as floats (bf16 widened exactly); waits for the copy. */
    public static float[] floats(DeviceArray array) {
        if (array.arrayType() == BFloat16Array.class) {
            BFloat16Array host = new BFloat16Array(array.length());
            array.copyTo(host);
            return host.toFloatArray();
        }
        FloatArray host = new FloatArray(array.length());
        array.copyTo(host);
        return host.toHeapArray();
    }

    /** {@code count} values from {@code offset} of a host array (one tensor of a flat buffer) as a heap array. */
    public static float[] slice(FloatArray host, long offset, long count) {
        float[] values = new float[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = host.get(offset + i);
        }
        return values;
    }
}
