package dev.loris.tornado.runtime;

import dev.loris.LorisException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opt-in device time per kernel and per GEMM shape (issue 18's step profile): while a profile is open on an
 * accelerator ({@link Accelerator#startProfiling}), every kernel launch and every GEMM call records a pair of
 * device events around itself on its stream; {@link #finish} waits for the device, reads the pairs and sums
 * them per name. Events measure device time between the two recordings (CUDA events, OpenCL profiled
 * markers, the JVM's wall clock), so a launch that waits in its stream for earlier work is timed from when
 * that work ended.
 *
 * <p>Only with {@code -Dloris.profile=true}: {@link #ENABLED} is a static final read once, so with the
 * property unset the JIT removes the check from every launch and GEMM call, and the hot paths cost nothing.
 * With it set, a launch without an open profile pays one field read; a profiled launch two event recordings
 * (a few microseconds on CUDA), so profiled steps run somewhat slower than timed ones: profile separate
 * steps from those that are timed.
 *
 * <p>Each entry carries what its calls had to do, for floors: a GEMM its FLOPs and the bytes of its operands;
 * a kernel the bytes of its array arguments (each read or written once in full: the floor of elementwise
 * and row kernels that touch all of their arguments, an overestimate for those that touch a slice).
 * Copies between host and device and between arrays are not launches and are not counted.
 */
public final class LaunchProfiler {
    /** Whether profiling can be used in this JVM: {@code -Dloris.profile=true}. */
    public static final boolean ENABLED = Boolean.getBoolean("loris.profile");

    /** One name's sums over the profile: calls, device milliseconds, FLOPs and bytes of all its calls. */
    public record Entry(String name, long calls, double millis, double flops, double bytes) {
    }

    private record Pending(DeviceEvent start, DeviceEvent stop, String name, double flops, double bytes) {
    }

    private final Accelerator accelerator;
    private final List<Pending> pending = new ArrayList<>();
    /** Events of finished pairs, reused by the next profile's pairs. */
    private final List<DeviceEvent> spare = new ArrayList<>();
    private final Map<String, double[]> sums = new LinkedHashMap<>();  // name -> {calls, millis, flops, bytes}
    private DeviceEvent open;
    /** Open begins: a GEMM whose backend launches our own kernels is timed once, as the GEMM. */
    private int depth;
    private boolean finished;

    LaunchProfiler(Accelerator accelerator) {
        this.accelerator = accelerator;
    }

    static void requireEnabled() {
        if (!ENABLED) {
            throw new LorisException("launch profiling is off in this JVM",
                    "start java with -Dloris.profile=true to time every kernel and GEMM");
        }
    }

    /**
     * Marks the start of one launch or GEMM on {@code stream}; {@link #end} follows on the same stream. Calls
     * nest: only the outermost pair is timed (a GEMM made of our own kernel launches counts as the GEMM).
     */
    public void begin(DeviceStream stream) {
        if (depth++ == 0) {
            open = event();
            open.record(stream);
        }
    }

    /** Marks the end of the launch begun last, naming what ran and what it had to do. */
    public void end(DeviceStream stream, String name, double flops, double bytes) {
        if (--depth > 0) {
            return;
        }
        DeviceEvent stop = event();
        stop.record(stream);
        pending.add(new Pending(open, stop, name, flops, bytes));
        open = null;
        if (pending.size() >= 32768) {  // bounded: wait, time what has finished and reuse its events
            drain();
        }
    }

    private DeviceEvent event() {
        return spare.isEmpty() ? accelerator.createEvent() : spare.removeLast();
    }

    private void drain() {
        for (Pending p : pending) {
            double[] s = sums.computeIfAbsent(p.name, n -> new double[4]);
            s[0]++;
            s[1] += p.stop.millisSince(p.start);
            s[2] += p.flops;
            s[3] += p.bytes;
            spare.add(p.start);
            spare.add(p.stop);
        }
        pending.clear();
    }

    /**
     * Waits for the device, detaches from the accelerator and returns each name's sums, most time first.
     * The events are released.
     */
    public List<Entry> finish() {
        if (!finished) {
            accelerator.synchronize();
            drain();
            accelerator.profilingFinished(this);
            spare.forEach(DeviceEvent::close);
            spare.clear();
            finished = true;
        }
        List<Entry> entries = new ArrayList<>();
        sums.forEach((name, s) -> entries.add(new Entry(name, (long) s[0], s[1], s[2], s[3])));
        entries.sort((a, b) -> Double.compare(b.millis, a.millis));
        return entries;
    }
}
