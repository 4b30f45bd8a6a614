package dev.loris.tornado.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * A shared library opened through java.lang.foreign, by the first of several candidate names that loads
 * (the soname differs between Linux distributions, driver versions and operating systems).
 *
 * <p>Libraries stay loaded for the life of the process (global arena): the drivers we call keep their own
 * global state and must not be unloaded under live contexts.
 */
public final class NativeLibrary {
    private final String name;
    private final SymbolLookup lookup;

    private NativeLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    /** Opens the first candidate that loads; empty when none does. */
    public static Optional<NativeLibrary> open(List<String> candidates) {
        for (String candidate : candidates) {
            try {
                return Optional.of(new NativeLibrary(candidate, SymbolLookup.libraryLookup(candidate, Arena.global())));
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        return Optional.empty();
    }

    /** The name the library was opened by. */
    public String name() {
        return name;
    }

    public boolean has(String symbol) {
        return lookup.find(symbol).isPresent();
    }

    /** A downcall handle for {@code symbol}; a library missing a symbol we need is an old or broken install. */
    public MethodHandle function(String symbol, FunctionDescriptor descriptor) {
        var address = lookup.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(
                name + " has no symbol " + symbol + " (the library is too old or not the one Loris expects)"));
        return Linker.nativeLinker().downcallHandle(address, descriptor);
    }

    /** A native call returning a status code; invokeExact declares Throwable, which we never expect here. */
    @FunctionalInterface
    public interface NativeCall {
        int invoke() throws Throwable;
    }

    /** Runs a downcall that returns a status code, rethrowing unchecked what it throws. */
    public static int call(NativeCall nativeCall) {
        try {
            return nativeCall.invoke();
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /**
     * What a downcall threw, as an unchecked exception to rethrow: itself if it is one, else wrapped. For hot
     * paths that call invokeExact directly instead of through {@link #call} (whose lambda may allocate).
     */
    public static RuntimeException unchecked(Throwable thrown) {
        if (thrown instanceof RuntimeException e) {
            return e;
        }
        if (thrown instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", thrown);
    }
}
