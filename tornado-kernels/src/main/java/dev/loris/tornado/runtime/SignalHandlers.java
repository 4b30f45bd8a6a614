package dev.loris.tornado.runtime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Which shared library owns the process's handlers for the signals the JVM relies on. HotSpot takes SIGSEGV,
 * SIGBUS, SIGFPE and SIGILL for its own work (safepoint polls, implicit null checks, division by zero): a
 * native library that installs its own handler without chaining (LLVM-based OpenCL compilers do, for crash
 * reports) makes the next such routine signal kill the JVM with no hs_err file. The JDK's answer is signal
 * chaining: start the JVM with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}, which the {@code loris} launcher
 * and the test runs do. Measured: PoCL's first clBuildProgram leaves all four to libLLVM; on the H100, a test
 * JVM without chaining died with SIGSEGV and no report in a Java-heavy test after NVIDIA's OpenCL had built.
 *
 * <p>For a JVM started some other way (an IDE, an application embedding Loris), {@link #keepJvmHandlers()}
 * wraps the native calls that install handlers and puts the JVM's back afterwards; {@code loris devices}
 * warns when a handler was taken anyway. Linux on x86-64 and aarch64 only (glibc's {@code struct sigaction}
 * starts with the handler); elsewhere nothing is read or changed.
 */
public final class SignalHandlers {
    /** The signals HotSpot handles itself, by their Linux numbers. */
    private static final Map<String, Integer> JVM_SIGNALS = Map.of("SIGILL", 4, "SIGBUS", 7, "SIGFPE", 8, "SIGSEGV", 11);
    private static final String[] SIGNAL_ORDER = {"SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL"};
    private static final long SIGACTION_BYTES = 152;   // glibc x86-64 / aarch64; the handler is its first word
    private static final long DL_INFO_BYTES = 32;      // {dli_fname, dli_fbase, dli_sname, dli_saddr}
    private static final Libc LIBC = new Libc();
    private static final boolean CHAINED = readChained();   // libjsig can only be preloaded, never loaded later

    private SignalHandlers() {
    }

    /** Signal name to the file name of the library owning its handler, e.g. {@code SIGSEGV -> libjvm.so}. */
    public static Map<String, String> owners() {
        Map<String, String> owners = new LinkedHashMap<>();
        if (LIBC.sigaction == null) {
            return owners;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(SIGACTION_BYTES, 8);
            MemorySegment info = arena.allocate(DL_INFO_BYTES, 8);
            for (String name : SIGNAL_ORDER) {
                if (LIBC.sigaction(JVM_SIGNALS.get(name), MemorySegment.NULL, action) == 0) {
                    MemorySegment handler = action.get(ADDRESS, 0);
                    owners.put(name, handler.address() <= 1 ? "default" : LIBC.libraryOf(handler, info));
                }
            }
        }
        return owners;
    }

    /**
     * Saves the handlers of the JVM's signals; closing puts back any a native call replaced meanwhile. Does
     * nothing under libjsig (sigaction there would chain to the JVM's own handler) or off Linux. For compiler
     * calls, not hot paths: it allocates and makes eight system calls.
     */
    public static Kept keepJvmHandlers() {
        return new Kept();
    }

    /** Handlers saved by {@link #keepJvmHandlers()}; {@link #close()} restores them. */
    public static final class Kept implements AutoCloseable {
        private final Arena arena;
        private final MemorySegment saved;   // one struct sigaction per signal, in SIGNAL_ORDER

        private Kept() {
            boolean active = LIBC.sigaction != null && !chained();
            arena = active ? Arena.ofConfined() : null;
            saved = active ? arena.allocate(SIGACTION_BYTES * SIGNAL_ORDER.length, 8) : null;
            for (int i = 0; active && i < SIGNAL_ORDER.length; i++) {
                LIBC.sigaction(JVM_SIGNALS.get(SIGNAL_ORDER[i]), MemorySegment.NULL, slot(i));
            }
        }

        private MemorySegment slot(int i) {
            return saved.asSlice(i * SIGACTION_BYTES, SIGACTION_BYTES);
        }

        @Override
        public void close() {
            if (arena == null) {
                return;
            }
            MemorySegment now = arena.allocate(SIGACTION_BYTES, 8);
            for (int i = 0; i < SIGNAL_ORDER.length; i++) {
                int signal = JVM_SIGNALS.get(SIGNAL_ORDER[i]);
                LIBC.sigaction(signal, MemorySegment.NULL, now);
                if (now.get(ADDRESS, 0).address() != slot(i).get(ADDRESS, 0).address()) {
                    LIBC.sigaction(signal, slot(i), MemorySegment.NULL);
                }
            }
            arena.close();
        }
    }

    /** Whether libjsig is loaded, so the JVM's handlers run first whatever a library installs. */
    public static boolean chained() {
        return CHAINED;
    }

    private static boolean readChained() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("/libjsig.so");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * A warning naming the libraries that took the JVM's signals, or null when there is nothing to fear:
     * every handler is still the JVM's, or libjsig chains them.
     */
    public static String warning() {
        if (chained()) {
            return null;
        }
        StringBuilder taken = new StringBuilder();
        owners().forEach((signal, owner) -> {
            if (!owner.equals("libjvm.so")) {
                taken.append(taken.isEmpty() ? "" : ", ").append(signal).append(" by ").append(owner);
            }
        });
        return taken.isEmpty() ? null : "native libraries replaced the JVM's signal handlers (" + taken
                + "): the JVM may die without a report. Start it with LD_PRELOAD=$JAVA_HOME/lib/libjsig.so"
                + " (the loris launcher does).";
    }

    /** glibc's sigaction and dladdr; both null off Linux or without them. */
    private static final class Libc {
        final MethodHandle sigaction;
        final MethodHandle dladdr;

        Libc() {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            boolean linux = System.getProperty("os.name", "").equals("Linux");
            var action = linux ? libc.find("sigaction") : java.util.Optional.<MemorySegment>empty();
            var where = libc.find("dladdr");
            sigaction = action.isEmpty() || where.isEmpty() ? null : linker.downcallHandle(action.get(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            dladdr = sigaction == null ? null : linker.downcallHandle(where.get(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        }

        int sigaction(int signal, MemorySegment action, MemorySegment old) {
            try {
                return (int) sigaction.invokeExact(signal, action, old);
            } catch (Throwable t) {
                throw new IllegalStateException("sigaction(" + signal + ") failed", t);
            }
        }

        String libraryOf(MemorySegment handler, MemorySegment info) {
            try {
                if ((int) dladdr.invokeExact(handler, info) == 0) {
                    return "unknown (0x" + Long.toHexString(handler.address()) + ")";
                }
            } catch (Throwable t) {
                throw new IllegalStateException("dladdr failed", t);
            }
            String path = info.get(ADDRESS, 0).reinterpret(4096).getString(0);
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }
}
