package dev.loris.testing;

import dev.loris.LorisException;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The outcome classes of the fuzz rings (issue 16): a parser given any input either accepts it or refuses it
 * with one {@link LorisException}; any other exception or Error is a defect, and so is no answer within the
 * time limit (a hang). A crash of the JVM (a native panic) ends the test run itself, which fails the build.
 */
public final class FuzzOutcome {
    /** Generous against the slowest parse of a small input on a loaded 2-core machine. */
    public static final long LIMIT_SECONDS = 20;
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "fuzz-outcome");
        thread.setDaemon(true);
        return thread;
    });

    private FuzzOutcome() {
    }

    /** Runs {@code parse}; returns true when it accepted, false when it refused cleanly; fails the test otherwise. */
    public static boolean accepts(String what, Callable<?> parse) {
        Future<?> result = WORKERS.submit(parse);
        try {
            result.get(LIMIT_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LorisException) {
                return false;
            }
            fail(what + ": neither accepted nor a clean LorisException: " + cause, cause);
        } catch (TimeoutException e) {
            result.cancel(true);
            fail(what + ": no answer within " + LIMIT_SECONDS + " s (a hang)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(what + ": interrupted");
        }
        throw new AssertionError("unreachable");
    }

    /** Up to six edits {op, position, byte} for {@link #mutate}: positions wrap around the input's length. */
    public static net.jqwik.api.Arbitrary<java.util.List<int[]>> edits() {
        net.jqwik.api.Arbitrary<int[]> edit = net.jqwik.api.Arbitraries.integers().between(0, 3).flatMap(op ->
                net.jqwik.api.Arbitraries.integers().between(0, Integer.MAX_VALUE).flatMap(at ->
                        net.jqwik.api.Arbitraries.integers().between(0, 255).map(b -> new int[] {op, at, b})));
        return edit.list().ofMinSize(1).ofMaxSize(6);
    }

    /** The edits as a failure message shows them: " [op position byte]" each. */
    public static String describe(java.util.List<int[]> edits) {
        StringBuilder text = new StringBuilder(" edits");
        edits.forEach(e -> text.append(" [").append(Math.floorMod(e[0], 4)).append(' ').append(e[1]).append(' ')
                .append(e[2]).append(']'));
        return text.toString();
    }

    /** {@code seed} with {@code edits} applied: each edit {op, position, byte} flips, deletes, inserts or truncates. */
    public static byte[] mutate(byte[] seed, java.util.List<int[]> edits) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] bytes = seed.clone();
        for (int[] edit : edits) {
            if (bytes.length == 0) {
                break;
            }
            int at = Math.floorMod(edit[1], bytes.length);
            out.reset();
            switch (Math.floorMod(edit[0], 4)) {
                case 0 -> bytes[at] = (byte) edit[2];
                case 1 -> {
                    out.write(bytes, 0, at);
                    out.write(bytes, at + 1, bytes.length - at - 1);
                    bytes = out.toByteArray();
                }
                case 2 -> {
                    out.write(bytes, 0, at);
                    out.write(edit[2]);
                    out.write(bytes, at, bytes.length - at);
                    bytes = out.toByteArray();
                }
                default -> bytes = java.util.Arrays.copyOf(bytes, at);
            }
        }
        return bytes;
    }
}
