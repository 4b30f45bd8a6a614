package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.ArrayTypes;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.PinnedHostArray;
import dev.loris.tornado.runtime.Units;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The input embedding (vocab, hidden) kept in host memory instead of the device's
 * ({@link Decoder#keepEmbeddingOnHost}): each pass gathers its T rows on the host into a pinned staging buffer
 * and queues one copy of those T x hidden values to the device on the compute stream. Llama-3.1-8B's embedding
 * is 1 GB of device memory; a step of 2,048 tokens copies 16 MB instead. Rows are copied as stored (bf16 or f32),
 * so the result is the embedding kernel's, bit for bit.
 *
 * <p>Only for an embedding that no gradient reaches and that the LM head does not share (a tied head multiplies
 * by it on the device). The staging buffer is reused: a lookup first waits for the previous one's copy to have
 * read it, which in a training step finished long before.
 */
final class HostEmbedding implements AutoCloseable {
    private final Accelerator accelerator;
    private final Class<? extends TornadoNativeArray> type;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment table;   // (vocab, hidden) as stored on the device
    private final int hidden;
    private final long rowBytes;
    private final DeviceEvent copied;    // the last copy out of the staging buffer has read it
    private PinnedHostArray staging;     // (tokens, hidden), grown to the largest pass
    private boolean copyPending;

    /** A host copy of {@code device} (vocab, hidden); the caller frees the device array afterwards. */
    HostEmbedding(DeviceArray device, int hidden) {
        this.accelerator = device.accelerator();
        this.type = device.arrayType();
        this.hidden = hidden;
        this.rowBytes = (long) hidden * device.elementBytes();
        try {
            this.table = arena.allocate(device.byteSize(), TornadoNativeArray.ALIGNMENT);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new LorisException("the input embedding (" + Units.bytes(device.byteSize()) + ") does not fit in"
                    + " host memory", "free host memory, or keep the embedding on the device (no offload)");
        }
        device.copyTo(ArrayTypes.wrap(type, table));
        this.copied = accelerator.createEvent();
    }

    /**
     * out (tokens, hidden) = the rows of ids, queued on {@code stream}. The ids are the vocabulary's: the passes
     * check them as they take them in (Embedding.checkIds in PackedBatch and the Generator).
     */
    void lookup(int[] ids, DeviceArray out, DeviceStream stream) {
        if (copyPending) {
            copied.synchronize();
        }
        long bytes = ids.length * rowBytes;
        if (staging == null || staging.byteSize() < bytes) {
            if (staging != null) {
                staging.close();
            }
            staging = accelerator.allocatePinned(type, (long) ids.length * hidden);
        }
        MemorySegment rows = staging.array().getSegment();
        for (int t = 0; t < ids.length; t++) {
            MemorySegment.copy(table, ids[t] * rowBytes, rows, t * rowBytes, rowBytes);
        }
        out.copyFromAsync(ArrayTypes.wrap(type, rows.asSlice(0, bytes)), stream);
        copied.record(stream);
        copyPending = true;
    }

    @Override
    public void close() {
        if (copyPending) {
            copied.synchronize();
        }
        copied.close();
        if (staging != null) {
            staging.close();
        }
        arena.close();
    }
}
