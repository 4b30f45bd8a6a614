package dev.loris.cli;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.api.FineTuner;
import dev.loris.gguf.export.AdapterExporter;
import dev.loris.gguf.export.GgufExporter;
import dev.loris.gguf.export.GgufFileType;
import dev.loris.gguf.export.Modelfile;
import dev.loris.lora.LoraMerge;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code loris export}: a Hugging Face model folder to one GGUF file for llama.cpp and Ollama (with an Ollama
 * Modelfile beside it), a model with a LoRA adapter merged in (to GGUF, or to a 16-bit safetensors folder with
 * {@code --format merged}), or a PEFT LoRA adapter to a GGUF adapter for llama.cpp's --lora.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a model to GGUF (llama.cpp, Ollama) or a LoRA adapter to a GGUF adapter.")
final class ExportCommand implements Runnable {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model folder (with --format adapter-gguf: the adapter's base model)")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "LoRA adapter folder (PEFT's or Loris'): merged into the model, or exported alone with "
                    + "--format adapter-gguf")
    Path adapter;

    @Option(names = "--format", defaultValue = "gguf",
            description = "gguf, merged (16-bit safetensors folder) or adapter-gguf (${DEFAULT-VALUE})")
    String format;

    @Option(names = "--quant", defaultValue = "q4_k_m",
            description = "f32, f16, bf16, q8_0, q4_0, q4_k_m, q5_k_m or q6_k (${DEFAULT-VALUE})")
    String quant;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "The .gguf file to write (with --format merged: the folder)")
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
            case "merged" -> exportMerged(stdout);
            default -> throw new InvalidSettingException("--format " + format + " is not known",
                    "use gguf (a model), merged (a model with its adapter merged in) or adapter-gguf (an adapter)");
        }
    }

    private void exportModel(PrintWriter stdout) {
        if (adapter == null) {
            exportGguf(model, stdout);
            return;
        }
        FineTuner.throughMergedFolder(out, merged -> LoraMerge.merge(model, adapter, merged),
                merged -> exportGguf(merged, stdout));
    }

    private void exportMerged(PrintWriter stdout) {
        if (adapter == null) {
            throw new InvalidSettingException("--format merged needs --adapter DIR", "give the LoRA adapter folder to merge");
        }
        long start = System.nanoTime();
        LoraMerge.merge(model, adapter, out);
        stdout.printf("wrote %s (%s merged into %s, 16-bit safetensors) in %.1f s%n", out, adapter, model,
                (System.nanoTime() - start) / 1e9);
    }

    /** Exports {@code folder} to --out and writes its Modelfile, whose path it returns. */
    private Path exportGguf(Path folder, PrintWriter stdout) {
        GgufFileType type = GgufFileType.parse(quant);
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) {
            throw new InvalidSettingException("--threads " + n + " must be at least 1", "leave it out to use every core");
        }
        long start = System.nanoTime();
        GgufExporter.Result result = GgufExporter.export(folder, out,
                new GgufExporter.Options(type, n, line -> { stdout.println(line); stdout.flush(); }));
        Path modelfile = Modelfile.write(folder, out);
        stdout.printf("wrote %s (%s, %d tensors, %.1f MB) in %.1f s%n", out, type.cliName(), result.tensors().size(),
                sizeMb(out), (System.nanoTime() - start) / 1e9);
        stdout.println("wrote " + modelfile + " (ollama create NAME -f " + modelfile.getFileName() + ")");
        return modelfile;
    }

    private void exportAdapter(PrintWriter stdout) {
        if (adapter == null) {
            throw new InvalidSettingException("--format adapter-gguf needs --adapter DIR", "give the PEFT adapter folder, "
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
