package dev.loris.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ring 2 for PTX: assembles PTX text with the {@code ptxas} on the PATH for one architecture ("sm_80",
 * "sm_90"), which catches malformed PTX without a GPU. The toolkit is not something Loris needs at run
 * time; our machines have it for these tests.
 *
 * <p>Without ptxas the calling test is skipped with the reason printed, except under CI=true, where it
 * fails, so that a missing install step cannot hide behind skips.
 */
public final class Ptxas {
    /** ptxas takes well under a second for test kernels; a minute means it hung. */
    private static final long TIMEOUT_SECONDS = 60;

    /** What ptxas said: success or not, and its output (errors, and with -v the per-kernel resource use). */
    public record Result(boolean succeeded, String output) {
    }

    private Ptxas() {
    }

    /** The ptxas executable found on the PATH, if any. */
    public static Optional<Path> find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "ptxas"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /**
     * Runs {@code ptxas -v -arch=<arch>} over {@code ptx} in a fresh temporary directory (removed after).
     * Skips the calling test (or fails it under CI=true) when there is no ptxas.
     */
    public static Result assemble(String ptx, String arch) {
        Path ptxas = find().orElseGet(Ptxas::skipOrFail);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("loris-ptxas");
            Path input = Files.writeString(dir.resolve("kernel.ptx"), ptx, StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(ptxas.toString(), "-v", "-arch=" + arch, "-o",
                    dir.resolve("kernel.cubin").toString(), input.toString())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("ptxas did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue() == 0, output);
        } catch (IOException e) {
            throw new UncheckedIOException("running " + ptxas + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ptxas ran", e);
        } finally {
            deleteTree(dir);
        }
    }

    /** Fails the test with ptxas's output unless {@code ptx} assembles for {@code arch}; returns the output. */
    public static String assertAssembles(String ptx, String arch) {
        Result result = assemble(ptx, arch);
        Assertions.assertTrue(result.succeeded(), () -> "ptxas rejected the PTX for " + arch + ":\n" + result.output());
        return result.output();
    }

    private static Path skipOrFail() {
        String reason = "no ptxas on the PATH (it comes with the CUDA toolkit)";
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but " + reason + ". The PTX assembly tests must run in CI.");
        }
        System.out.println("SKIPPED PTX assembly test: " + reason);
        Assumptions.abort(reason);
        throw new AssertionError("unreachable: abort throws");
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.out.println("could not remove " + dir + ": " + e);
        }
    }
}
