package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.NativeLibrary;

import java.util.List;
import java.util.function.Function;

/**
 * A vendor GEMM library's bindings, or why they are missing: not installed, or too old to have an entry
 * point Loris binds. Made once per process by the binding class (which loads on first use), so that asking
 * every accelerator whether a backend serves it loads nothing twice.
 *
 * @param <T> the binding class
 */
public final class VendorLibrary<T> {
    private final T library;
    private final String missingReason;

    private VendorLibrary(T library, String missingReason) {
        this.library = library;
        this.missingReason = missingReason;
    }

    /**
     * Opens the first of {@code names} that loads and binds it; {@code notFound} is the reason when none loads,
     * {@code tooOld} what to install when one lacks a symbol (it follows the missing symbol in the reason).
     */
    public static <T> VendorLibrary<T> load(List<String> names, Function<NativeLibrary, T> bind, String notFound,
                                            String tooOld) {
        try {
            return NativeLibrary.open(names).map(bind)
                    .map(bound -> new VendorLibrary<>(bound, null))
                    .orElseGet(() -> new VendorLibrary<>(null, notFound));
        } catch (UnsatisfiedLinkError missingSymbol) {
            return new VendorLibrary<>(null, missingSymbol.getMessage() + ": " + tooOld);
        }
    }

    /** The bindings; null when the library is missing. */
    public T library() {
        return library;
    }

    /** Why {@link #library()} is null; null when it is not. */
    public String missingReason() {
        return missingReason;
    }
}
