package dev.loris.model.decoder;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.PinnedHostArray;

/**
 * Layer inputs for {@link GradientCheckpointing#OFFLOAD}: two device buffers used in turn (hidden[l] always in
 * slot l % 2) and, for hidden[0..L-2], pinned host copies. The last two, hidden[L-1] and hidden[L], never
 * leave the device: the backward starts with them.
 *
 * <pre>
 *   forward   compute: ... layer l reads slot l%2, writes slot (l+1)%2 ...
 *             copies:  hidden[l] slot -> host[l] once written, overlapping layer l; layer l+1 waits for that
 *                      copy before overwriting the slot (it writes hidden[l+2] there)
 *   backward  copies:  host[l-1] -> slot (l-1)%2 once layer l+1's backward (the slot's last reader) is queued,
 *                      overlapping layer l's recompute and backward; layer l-1 waits for it
 * </pre>
 *
 * Ordering is by events between the compute stream and a copy stream ({@link Accelerator#createCopyStream}),
 * never by the host waiting: the host queues the whole step ahead. On OpenCL and the JVM the copies run in
 * order on the one queue, so they are correct but do not overlap.
 */
final class OffloadedLayerInputs implements LayerInputs {
    private final int layers;
    private final DeviceArray[] slots = new DeviceArray[2];          // (T, H) each
    private final PinnedHostArray[] host;                             // hidden[0..L-2], (T, H) each
    private final DeviceStream compute;
    private final DeviceStream copies;
    private final DeviceEvent computeReached;                         // re-recorded before each copy
    private final DeviceEvent[] slotOffloaded = new DeviceEvent[2];  // the slot's copy to the host done
    private final DeviceEvent[] slotFetched = new DeviceEvent[2];    // the slot's copy from the host done
    private final OwnedResources owned = new OwnedResources("offloaded layer inputs");

    OffloadedLayerInputs(Accelerator acc, DeviceStream compute, Class<? extends TornadoNativeArray> type,
                         long elements, int layers) {
        this.layers = layers;
        this.compute = compute;
        this.host = new PinnedHostArray[Math.max(0, layers - 1)];
        try {
            for (int s = 0; s < 2; s++) {
                slots[s] = own(acc.allocate(type, elements));
                slotOffloaded[s] = own(acc.createEvent());
                slotFetched[s] = own(acc.createEvent());
            }
            for (int l = 0; l < host.length; l++) {
                host[l] = own(acc.allocatePinned(type, elements));
            }
            copies = own(acc.createCopyStream());
            computeReached = own(acc.createEvent());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        return owned.add(resource);
    }

    private boolean offloaded(int l) {
        return l <= layers - 2;
    }

    @Override
    public DeviceArray forWriting(int l) {
        int slot = l % 2;
        if (l >= 2 && offloaded(l - 2)) {
            compute.waitFor(slotOffloaded[slot]); // hidden[l-2] must be on the host before it is overwritten
        }
        return slots[slot];
    }

    @Override
    public void written(int l) {
        if (offloaded(l)) {
            int slot = l % 2;
            computeReached.record(compute);
            copies.waitFor(computeReached);
            slots[slot].copyToAsync(host[l].array(), copies);
            slotOffloaded[slot].record(copies);
        }
    }

    @Override
    public DeviceArray forForward(int l) {
        return slots[l % 2];
    }

    @Override
    public DeviceArray last() {
        return slots[layers % 2];
    }

    @Override
    public DeviceArray forBackward(int l) {
        int slot = l % 2;
        if (offloaded(l)) {
            compute.waitFor(slotFetched[slot]); // prefetched when layer l + 1 was asked for
        }
        if (l >= 1) {
            int previous = (l - 1) % 2; // holds hidden[l+1], whose readers are all queued by now
            computeReached.record(compute);
            copies.waitFor(computeReached);
            slots[previous].copyFromAsync(host[l - 1].array(), copies);
            slotFetched[previous].record(copies);
        }
        return slots[slot];
    }

    /** Waits for copies in flight (they read or write the buffers freed here), then frees everything. */
    @Override
    public void close() {
        if (copies != null) {
            copies.synchronize(); // the compute stream orders its own reuse of the slots
        }
        owned.close();
    }
}
