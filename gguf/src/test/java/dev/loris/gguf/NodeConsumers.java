package dev.loris.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs the node scripts of gguf/node (read-gguf.mjs, llama-run.mjs) and parses their JSON output. The
 * scripts and node_modules are found from the module folder (Surefire's working directory) or the
 * repository root.
 */
public final class NodeConsumers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeConsumers() {
    }

    /** gguf/node, or null when it is not found. */
    static Path folder() {
        for (Path candidate : new Path[] {Path.of("node"), Path.of("gguf", "node")}) {
            if (Files.isRegularFile(candidate.resolve("llama-run.mjs"))) {
                return candidate.toAbsolutePath();
            }
        }
        return null;
    }

    /** Why the consumers cannot run here, or null when they can. */
    static String missingReason() {
        Path folder = folder();
        if (folder == null) {
            return "gguf/node is not found from " + Path.of("").toAbsolutePath();
        }
        if (!Files.isDirectory(folder.resolve("node_modules/node-llama-cpp"))
                || !Files.isDirectory(folder.resolve("node_modules/@huggingface/gguf"))) {
            return "node packages are not installed: run gguf/node/install.sh";
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                return "`node --version` failed";
            }
        } catch (IOException e) {
            return "node is not installed (Node 20+ needed)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        return null;
    }

    /** Runs {@code node SCRIPT ARGS...} in gguf/node and parses its stdout as JSON. */
    public static JsonNode run(String script, String... args) {
        Path folder = folder();
        String[] command = new String[args.length + 2];
        command[0] = "node";
        command[1] = script;
        System.arraycopy(args, 0, command, 2, args.length);
        try {
            Path err = Files.createTempFile("node-stderr", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile()).redirectError(err.toFile());
            // node-llama-cpp parses CI as a strict boolean and refuses to start on any other value (an empty one
            // included); it only changes its console output, so the child runs without it.
            builder.environment().remove("CI");
            Process p = builder.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                String stderr = Files.readString(err);
                throw new AssertionError("node " + String.join(" ", command) + " failed: " + stderr);
            }
            Files.deleteIfExists(err);
            return JSON.readTree(new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("node " + script + " could not run: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Writes {@code request} as JSON to a temporary file and runs llama-run.mjs on it. */
    public static JsonNode llama(Object request) {
        try {
            Path file = Files.createTempFile("llama-request", ".json");
            JSON.writeValue(file.toFile(), request);
            try {
                return run("llama-run.mjs", file.toString());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Skips (printing why) or, under CI=true, fails when the consumers are missing. */
    static final class Condition implements ExecutionCondition {
        private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();
        private static volatile String reason;
        private static volatile boolean probed;

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (!probed) {
                reason = missingReason();
                probed = true;
            }
            if (reason == null) {
                return ConditionEvaluationResult.enabled("llama.cpp and @huggingface/gguf available");
            }
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true but the GGUF consumers cannot run: " + reason
                        + ". .ci/run has to install them (gguf/node/install.sh).");
            }
            if (REPORTED.add(context.getRequiredTestClass().getName())) {
                System.out.println("SKIPPED llama.cpp tests in " + context.getRequiredTestClass().getName() + ": " + reason);
            }
            return ConditionEvaluationResult.disabled(reason);
        }
    }
}
