package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.DeviceArray;

import java.lang.foreign.MemorySegment;

/** The host side of {@link Trainer#saveState}/{@link Trainer#loadState}: master weights to and from a file. */
final class TrainerState {
    private TrainerState() {
    }

    /** A device f32 buffer's values on the host. */
    static FloatArray download(DeviceArray array) {
        FloatArray host = new FloatArray(array.length());
        array.copyTo(host);
        return host;
    }

    /** Copies {@code <group>.master} from {@code in} into the group's range of {@code host}. */
    static void readMaster(SafetensorsFile in, TrainableParameters.Group group, FloatArray host) {
        String name = group.name() + ".master";
        TensorInfo info = in.find(name).orElseThrow(() -> new LorisException(in.path() + " has no " + name,
                "the checkpoint was written by another kind of run: resume with the settings it was made with"));
        if (info.dtype() != Dtype.F32 || info.elementCount() != group.length()) {
            throw new LorisException(in.path() + ": " + name + " is " + info.dtype() + " of " + info.elementCount()
                    + " values, the run trains " + group.length(), "resume with the settings the checkpoint was"
                    + " made with (method, LoRA rank and targets)");
        }
        MemorySegment.copy(in.data(info), 0, host.getSegment(), group.offset() * Float.BYTES,
                group.length() * Float.BYTES);
    }
}
