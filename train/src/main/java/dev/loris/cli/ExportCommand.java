package dev.loris.cli;

import dev.loris.LorisException;
import dev.loris.gguf.export.AdapterExporter;
import dev.loris.gguf.export.GgufExporter;
import dev.loris.gguf.export.GgufFileType;
import dev.loris.gguf.export.Modelfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code loris export}: a Hugging Face model folder to one GGUF file for llama.cpp and Ollama (with an Ollama
 * Modelfile beside it), or a PEFT LoRA adapter to a GGUF adapter for llama.cpp's --lora. Merging an adapter
 * into the weights ({@code --adapter} with {@code --format gguf}, {@code --format merged}) waits for the lora
 * module's merge.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a model to GGUF (llama.cpp, Ollama) or a LoRA adapter to a GGUF adapter.")
final class ExportCommand implements Runnable {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model folder (with --format adapter-gguf: the adapter's base model)")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT adapter folder (with --format adapter-gguf)")
    Path adapter;

    @Option(names = "--format", defaultValue = "gguf", description = "gguf or adapter-gguf (${DEFAULT-VALUE})")
    String format;

    @Option(names = "--quant", defaultValue = "q4_k_m",
            description = "f32, f16, bf16, q8_0, q4_0, q4_k_m, q5_k_m or q6_k (${DEFAULT-VALUE})")
    String quant;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The .gguf file to write")
    Path out;

    @Option(names = "--threads", description = "Quantisation threads (default: every core)")
    Integer threads;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter stdout = spec.commandLine().getOut();
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new LorisException("the folder of --out " + out + " does not exist", "create it first");
        }
        switch (format) {
            case "gguf" -> exportModel(stdout);
            case "adapter-gguf" -> exportAdapter(stdout);
            case "merged" -> throw new LorisException("--format merged needs the LoRA merge, which is not in this "
                    + "build yet", "export the adapter with --format adapter-gguf and apply it with llama.cpp --lora");
            default -> throw new LorisException("--format " + format + " is not known",
                    "use gguf (a model) or adapter-gguf (a LoRA adapter)");
        }
    }

    private void exportModel(PrintWriter stdout) {
        if (adapter != null) {
            throw new LorisException("--adapter with --format gguf needs the LoRA merge, which is not in this build "
                    + "yet", "export the base model and the adapter separately (--format adapter-gguf) and load "
                    + "both with llama.cpp --lora");
        }
        GgufFileType type = GgufFileType.parse(quant);
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) {
            throw new LorisException("--threads " + n + " must be at least 1", "leave it out to use every core");
        }
        long start = System.nanoTime();
        GgufExporter.Result result = GgufExporter.export(model, out,
                new GgufExporter.Options(type, n, line -> { stdout.println(line); stdout.flush(); }));
        Path modelfile = Modelfile.write(model, out);
        stdout.printf("wrote %s (%s, %d tensors, %.1f MB) in %.1f s%n", out, type.cliName(), result.tensors().size(),
                sizeMb(out), (System.nanoTime() - start) / 1e9);
        stdout.println("wrote " + modelfile + " (ollama create NAME -f " + modelfile.getFileName() + ")");
    }

    private void exportAdapter(PrintWriter stdout) {
        if (adapter == null) {
            throw new LorisException("--format adapter-gguf needs --adapter DIR", "give the PEFT adapter folder, "
                    + "and its base model with --model");
        }
        AdapterExporter.Result result = AdapterExporter.export(adapter, model, out);
        stdout.printf("wrote %s: LoRA rank %d on %d weights, alpha %s (llama.cpp alpha %s)%n", out, result.rank(),
                result.adaptedWeights(), result.loraAlpha(), result.ggufAlpha());
    }

    private static double sizeMb(Path file) {
        try {
            return Files.size(file) / 1e6;
        } catch (java.io.IOException e) {
            return Double.NaN;
        }
    }
}
