package dev.loris.cli;

import dev.loris.LorisException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LorisCliTest {

    @Test
    void helpListsDevicesAndExitsZero() {
        CliRun result = CliRun.over(new LorisCli(), "--help");
        assertEquals(0, result.exitCode());
        assertTrue(result.out().contains("devices"), result.out());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : new CommandLine(new LorisCli()).getSubcommands().keySet()) {
            if (sub.equals("help")) {
                continue; // `help --help` is picocli's own
            }
            CliRun result = CliRun.over(new LorisCli(), sub, "--help");
            assertEquals(0, result.exitCode(), sub);
            assertTrue(result.out().startsWith("Usage: loris " + sub), result.out());
        }
    }

    @Test
    void kernelPrintsPtxAndOpenClWithConstantsFolded() {
        CliRun ptx = CliRun.over(new LorisCli(), "kernel", "dev.loris.tornado.kernels.Axpy", "axpy");
        assertEquals(0, ptx.exitCode(), ptx.err());
        assertTrue(ptx.out().contains(".entry axpy("), ptx.out());
        CliRun cl = CliRun.over(new LorisCli(), "kernel", "--target", "opencl", "--constant", "5=1000",
                "dev.loris.tornado.kernels.RmsNorm", "forwardBf16Packed");
        assertEquals(0, cl.exitCode(), cl.err());
        assertTrue(cl.out().contains("__kernel void"), cl.out());
        CliRun unspecialised = CliRun.over(new LorisCli(), "kernel", "--target", "opencl",
                "dev.loris.tornado.kernels.RmsNorm", "forwardBf16Packed");
        assertFalse(cl.out().equals(unspecialised.out()), "fixing cols to 1000 changed nothing");
    }

    @Test
    void kernelNamesAMissingClassAndAWrongConstant() {
        CliRun missing = CliRun.over(new LorisCli(), "kernel", "no.such.Kernels", "axpy");
        assertEquals(2, missing.exitCode(), "a bad argument value is bad usage");
        assertTrue(missing.err().contains("no class no.such.Kernels"), missing.err());
        CliRun wrong = CliRun.over(new LorisCli(), "kernel", "--constant", "2=3", "dev.loris.tornado.kernels.Axpy", "axpy");
        assertEquals(2, wrong.exitCode());
        assertTrue(wrong.err().contains("parameter 2 is a FloatArray"), wrong.err());
    }

    @Test
    void infoDescribesGemmasAttention(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.nio.file.Path gemma2 = dev.loris.model.decoder.TinyGemma.write("gemma2", 1, dir.resolve("g2"));
        CliRun info = CliRun.over(new LorisCli(), "info", gemma2.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("(GEMMA2)"), info.out());
        assertTrue(info.out().contains("2 of 3 layers sliding over 4 tokens"), info.out());
        assertTrue(info.out().contains("soft-caps: attention 1.5, final logits 2.5"), info.out());
        java.nio.file.Path gemma3 = dev.loris.model.decoder.TinyGemma.write("gemma3_text", 1, dir.resolve("g3"));
        CliRun info3 = CliRun.over(new LorisCli(), "info", gemma3.toString());
        assertTrue(info3.out().contains("(GEMMA3_TEXT)") && info3.out().contains("(RoPE theta 100.0)")
                && info3.out().contains("soft-caps: attention none, final logits none"), info3.out());
    }

    @Test
    void infoDescribesPhi3AndListsTheSupportedFamiliesForAnUnknownOne(@org.junit.jupiter.api.io.TempDir
                                                                       java.nio.file.Path dir) throws Exception {
        java.nio.file.Path phi3 = dev.loris.model.decoder.TinyPhi3.write(1, dir.resolve("p3"));
        CliRun info = CliRun.over(new LorisCli(), "info", phi3.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("(PHI3)") && info.out().contains("scaling longrope (original context 8")
                && info.out().contains("RoPE on 8 of 10 values per head; sliding window of 6 tokens"), info.out());
        java.nio.file.Path config = phi3.resolve("config.json");
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config)
                .replace("\"phi3\"", "\"phimoe\""));
        CliRun unknown = CliRun.over(new LorisCli(), "info", phi3.toString());
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("model_type 'phimoe' is not supported")
                && unknown.err().contains("llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, gemma3"),
                unknown.err());
    }

    @Test
    void infoDescribesAShardedCheckpointAndNamesAMissingFolder() {
        CliRun info = CliRun.over(new LorisCli(), "info", referenceModel("qwen2").toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("(QWEN2)"), info.out());
        assertTrue(info.out().contains("parameters  335,872"), info.out());
        assertTrue(info.out().contains("4 files, BF16 335,872"), info.out());
        assertTrue(info.out().contains("tied to the LM head"), info.out());
        CliRun missing = CliRun.over(new LorisCli(), "info", "no-such-folder");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("no-such-folder does not exist"), missing.err());
    }

    /**
     * generate on the tiny qwen3 reference model with a word-level tokenizer of its vocabulary size: the
     * command prints the greedy continuation, the same tokens the Generator gives for the encoded prompt.
     */
    @Test
    @org.junit.jupiter.api.Tag("tokenizer") // needs DJL's tokenizers, which the GPU machine's bundle leaves out
    void generatePrintsTheGreedyContinuation(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path source = referenceModel("qwen3");
        for (String name : new String[] {"config.json", "model.safetensors", "generation_config.json"}) {
            java.nio.file.Files.copy(source.resolve(name), dir.resolve(name));
        }
        StringBuilder vocab = new StringBuilder("\"<unk>\": 0, \"<s>\": 1, \"</s>\": 2");
        for (int i = 3; i < 257; i++) {
            vocab.append(", \"w").append(i).append("\": ").append(i);
        }
        java.nio.file.Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"truncation\": null,"
                + " \"padding\": null, \"added_tokens\": [], \"normalizer\": null, \"pre_tokenizer\":"
                + " {\"type\": \"WhitespaceSplit\"}, \"post_processor\": null, \"decoder\": null, \"model\":"
                + " {\"type\": \"WordLevel\", \"vocab\": {" + vocab + "}, \"unk_token\": \"<unk>\"}}");
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"unk_token\": \"<unk>\"}");
        CliRun result = CliRun.over(new LorisCli(), "generate", "--model", dir.toString(), "--prompt", "w5 w7 w9 w11",
                "--max-new-tokens", "6", "--device", "jvm", "--precision", "f32");
        assertEquals(0, result.exitCode(), result.err());
        int[] expected;
        try (dev.loris.tornado.runtime.Accelerator acc = dev.loris.tornado.runtime.Accelerator.open("jvm");
             dev.loris.model.decoder.Decoder decoder = dev.loris.model.decoder.Decoder.open(dir, acc,
                     dev.loris.model.decoder.Precision.F32)) {
            expected = new dev.loris.model.decoder.Generator(decoder).generate(java.util.List.of(new int[] {5, 7, 9, 11}),
                    6, dev.loris.model.generate.SamplingSettings.GREEDY, java.util.Set.of(2), null).getFirst();
        }
        StringBuilder words = new StringBuilder();
        for (int id : expected) {
            if (id > 2) {
                words.append(words.isEmpty() ? "" : " ").append("w").append(id);
            }
        }
        assertEquals(words.toString(), result.out().strip());
        assertTrue(result.err().contains("tokens/s"), result.err());
    }

    /**
     * A reference model of the model module's tests (model/src/test/resources/hf-models), from the train
     * module's folder (Maven) or from the repository root (the GPU machine's JUnit console).
     */
    static java.nio.file.Path referenceModel(String name) {
        for (String root : new String[] {"../model", "model"}) {
            java.nio.file.Path folder = java.nio.file.Path.of(root, "src/test/resources/hf-models", name);
            if (java.nio.file.Files.isDirectory(folder)) {
                return folder;
            }
        }
        throw new IllegalStateException("reference model " + name + " not found from " + java.nio.file.Path.of("").toAbsolutePath());
    }

    @Test
    void badUsageExitsTwo() {
        CliRun unknown = CliRun.over(new LorisCli(), "no-such-command");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("no-such-command"), unknown.err());
        assertEquals(2, CliRun.over(new LorisCli(), "devices", "--no-such-option").exitCode());
    }

    @Test
    void devicesListsEveryBackend() {
        CliRun result = CliRun.over(new LorisCli(), "devices");
        assertEquals(0, result.exitCode(), result.err());
        for (String backend : new String[] {"JVM", "OpenCL", "CUDA"}) {
            assertTrue(result.out().lines().anyMatch(l -> l.startsWith(backend + " ")), result.out());
        }
        assertTrue(result.out().contains("cores"), result.out());
        assertTrue(result.out().lines().anyMatch(l -> l.startsWith("GEMM ")), result.out());
        assertTrue(result.out().lines().anyMatch(l -> l.matches("  jvm +\\S.*")), result.out());
        assertTrue(result.out().contains("cublaslt: cuBLASLt runs on CUDA GPUs; jvm is not one"), result.out());
    }

    @Test
    void gemmLinesNameTheChoiceItsFallbacksAndWhyOthersCannot() {
        StringWriter text = new StringWriter();
        DevicesCommand.printGemm(List.of(
                new DevicesCommand.GemmChoice("cuda:0", List.of("cublaslt", "tiled"), Map.of("clblast", "not OpenCL"),
                        null),
                new DevicesCommand.GemmChoice("jvm", List.of(), Map.of("cublaslt", "not CUDA"), null),
                new DevicesCommand.GemmChoice("opencl:1", List.of(), Map.of(), "CL_DEVICE_NOT_AVAILABLE")),
                new PrintWriter(text));
        assertEquals(List.of(
                "GEMM    backend per device (then the fallbacks for shapes it lacks)",
                "  cuda:0    cublaslt (then tiled)",
                "              clblast: not OpenCL",
                "  jvm       none",
                "              cublaslt: not CUDA",
                "  opencl:1  cannot open: CL_DEVICE_NOT_AVAILABLE"), text.toString().lines().toList());
    }

    @Command(name = "fails")
    static final class FailingCommand implements Runnable {
        @CommandLine.Option(names = "--debug")
        boolean debug;
        @CommandLine.Option(names = "--bug")
        boolean bug;

        @Override
        public void run() {
            if (bug) {
                throw new IllegalStateException("index out of step");
            }
            throw new LorisException("model.safetensors is truncated at byte 1024", "download the file again");
        }
    }

    @Test
    void userErrorIsOneLineWithHintAndExitOne() {
        CliRun result = CliRun.over(new FailingCommand());
        assertEquals(1, result.exitCode());
        assertEquals("loris: model.safetensors is truncated at byte 1024: download the file again",
                result.err().lines().findFirst().orElseThrow());
        assertFalse(result.err().contains("\tat "), "no stack trace without --debug:\n" + result.err());
    }

    @Test
    void debugAddsTheStackTrace() {
        CliRun result = CliRun.over(new FailingCommand(), "--debug");
        assertEquals(1, result.exitCode());
        assertTrue(result.err().contains("\tat dev.loris.cli.LorisCliTest$FailingCommand.run"), result.err());
    }

    @Test
    void unexpectedExceptionIsReportedAsABug() {
        CliRun result = CliRun.over(new FailingCommand(), "--bug");
        assertEquals(1, result.exitCode());
        assertTrue(result.err().startsWith("loris: internal error: java.lang.IllegalStateException: index out of step"),
                result.err());
    }
}
