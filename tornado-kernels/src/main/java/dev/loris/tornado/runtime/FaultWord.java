package dev.loris.tornado.runtime;

import dev.loris.tornado.api.DivisionByZeroException;

import java.util.ArrayList;
import java.util.List;

/**
 * An accelerator's fault word: one int of device memory, 0 until a kernel divides by zero. Kernels compiled
 * with division checks (the compiler's DivisionChecks) take it as a hidden argument and record their first
 * faulting division there as a code; each kernel gets its own range of codes when it is compiled
 * ({@link #register}), so a code names the kernel and the division's source position.
 *
 * <p>Launches of such kernels mark the word pending; {@link #check} reads it only then, so a program whose
 * kernels cannot fault pays nothing, and one whose kernels can pays one 4-byte read per synchronisation
 * point, never per launch. A recorded fault is cleared before it is raised, so the accelerator stays usable.
 * Meant for one thread at a time, like the accelerator.
 */
public abstract class FaultWord implements AutoCloseable {
    private record Site(String kernelName, StackTraceElement position) {
    }

    private final String device;
    private final List<Site> sites = new ArrayList<>();
    private boolean pending;

    protected FaultWord(String device) {
        this.device = device;
    }

    /** Reserves the codes of a kernel's division sites; site i records base + i. Codes start at 1. */
    final synchronized int register(String kernelName, List<StackTraceElement> positions) {
        int base = sites.size() + 1;
        for (StackTraceElement position : positions) {
            sites.add(new Site(kernelName, position));
        }
        return base;
    }

    /** A kernel with division checks was queued: the next check reads the word. */
    final void launched() {
        pending = true;
    }

    /**
     * Raises the fault recorded so far, if any, after clearing it. {@code stream}: the stream that was just
     * synchronised, or null when every stream was (the read is ordered after that stream's work);
     * {@code complete}: whether every launch so far has finished, so that a clean word means no fault is on
     * its way and later checks can skip the read until the next launch.
     */
    final void check(DeviceStream stream, boolean complete) {
        if (!pending) {
            return;
        }
        if (complete) {
            pending = false;
        }
        int code = read(stream);
        if (code == 0) {
            return;
        }
        clear();
        Site site;
        synchronized (this) {
            site = code > 0 && code <= sites.size() ? sites.get(code - 1) : null;
        }
        if (site == null) {
            throw new IllegalStateException("the fault word of " + device + " holds " + code + ", which no kernel "
                    + "registered (device memory was overwritten?)");
        }
        throw new DivisionByZeroException(site.kernelName(), site.position(), device, null);
    }

    /** The word's value, read after the work queued on {@code stream} (every stream when null). */
    protected abstract int read(DeviceStream stream);

    /** Sets the word to 0, ordered before any later launch. */
    protected abstract void clear();

    /** Releases the device memory; called once, by the accelerator's close. */
    @Override
    public abstract void close();
}
