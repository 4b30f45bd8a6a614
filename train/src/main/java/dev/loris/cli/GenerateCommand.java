package dev.loris.cli;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.lora.LoraAdapter;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Generator;
import dev.loris.model.generate.SamplingSettings;
import dev.loris.model.generate.StopTokens;
import dev.loris.model.tokenizer.ChatMessage;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.tornado.runtime.Accelerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code loris generate --model DIR --prompt TEXT}: text from a Hugging Face model folder, with the model's
 * chat template applied when it has one (as transformers' apply_chat_template with add_generation_prompt),
 * greedy by default or sampled with temperature, top-k, top-p and a repetition penalty. Several --prompt
 * options run as one batch. Stops at the model's EOS ids (config.json, generation_config.json and the
 * tokenizer's eos_token), at any --stop string, or after --max-new-tokens.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a Hugging Face model (chat template applied when the model has one).")
final class GenerateCommand implements Runnable {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder")
    Path model;

    @Option(names = "--prompt", required = true, description = "Prompt text; repeat for several prompts at once")
    List<String> prompts;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "At most this many new tokens (${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy (${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 keeps all")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling mass; 1 keeps all")
    float topP;

    @Option(names = "--repetition-penalty", defaultValue = "1", description = "Above 1 discourages repeats")
    float repetitionPenalty;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampling draws")
    long seed;

    @Option(names = "--stop", description = "Stop when the output contains this text; repeatable")
    List<String> stopStrings = new ArrayList<>();

    @Option(names = "--raw", description = "Do not apply the chat template")
    boolean raw;

    @Option(names = "--device", defaultValue = "auto", description = "jvm, opencl[:N], cuda[:N] or auto (${DEFAULT-VALUE})")
    String device;

    @Option(names = "--precision", defaultValue = "bf16", description = "bf16 or f32 (${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A LoRA adapter folder (PEFT's or Loris') to apply")
    Path adapter;

    @Option(names = "--load-in-4bit", description = "Quantise the layers to NF4 while loading (QLoRA's base)")
    boolean loadIn4bit;

    @Option(names = "--load-in-8bit", description = "Quantise the layers to int8 while loading")
    boolean loadIn8bit;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        // Every option is checked before anything is loaded, so that a bad value is reported as bad usage.
        SamplingSettings settings = new SamplingSettings(temperature, topK, topP, repetitionPenalty, seed);
        if (maxNewTokens < 1) {
            throw new InvalidSettingException("--max-new-tokens " + maxNewTokens + " is below 1", "ask for 1 or more");
        }
        var precisionChosen = ModelLoading.precision(precision);
        var projections = ModelLoading.projections(loadIn4bit, loadIn8bit);
        try (Accelerator acc = Accelerator.open(device); Tokenizer tokenizer = Tokenizer.load(model);
             Decoder decoder = Decoder.open(model, acc, precisionChosen, projections);
             LoraAdapter lora = adapter == null ? null : LoraAdapter.load(decoder, adapter)) {
            List<int[]> ids = new ArrayList<>();
            for (String prompt : prompts) {
                ids.add(encode(tokenizer, prompt));
            }
            long start = System.nanoTime();
            List<int[]> outputs = new Generator(decoder).generate(ids, maxNewTokens, settings, StopTokens.of(model, decoder.config(), tokenizer),
                    stopStrings.isEmpty() ? null : generated -> containsStop(tokenizer.decode(generated, true)));
            double seconds = (System.nanoTime() - start) / 1e9;
            int tokens = 0;
            for (int i = 0; i < outputs.size(); i++) {
                if (outputs.size() > 1) {
                    out.printf("--- prompt %d%n", i + 1);
                }
                out.println(trimAtStop(tokenizer.decode(outputs.get(i), true)));
                tokens += outputs.get(i).length;
            }
            out.flush();
            spec.commandLine().getErr().printf(Locale.ROOT, "loris: %d tokens in %.2f s (%.1f tokens/s) on %s%n",
                    tokens, seconds, tokens / seconds, acc.description());
        }
    }

    /** The prompt as the model expects it: through its chat template unless --raw or it has none. */
    private int[] encode(Tokenizer tokenizer, String prompt) {
        Optional<ChatTemplate> template = raw ? Optional.empty() : tokenizer.chatTemplate();
        if (template.isEmpty()) {
            return tokenizer.encode(prompt, true);
        }
        // The template writes the special tokens (BOS included) itself, as apply_chat_template tokenizes.
        return tokenizer.encode(template.get().render(List.of(ChatMessage.user(prompt)), true), false);
    }

    private boolean containsStop(String text) {
        return stopStrings.stream().anyMatch(text::contains);
    }

    private String trimAtStop(String text) {
        int cut = text.length();
        for (String stop : stopStrings) {
            int at = text.indexOf(stop);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        return text.substring(0, cut);
    }
}
