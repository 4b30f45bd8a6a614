package dev.loris.bench;

import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Generator;
import dev.loris.model.decoder.Precision;
import dev.loris.model.generate.SamplingSettings;
import dev.loris.tornado.runtime.Accelerator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Generation speed with the KV cache: prefill time and decode tokens per second for a batch of prompts of
 * random ids (greedy, no stop), the model in bf16. Decode speed is (N - 1) / (time for N new tokens - time
 * for 1), so the prefill is taken out. bench/hf_generate.py measures transformers' generate the same way.
 *
 * <p>Usage: {@code DecodeBench DIR [SPEC [PROMPT_TOKENS [NEW_TOKENS [BATCH]]]]}, defaults auto, 128, 128, 1.
 */
public final class DecodeBench {
    private DecodeBench() {
    }

    public static void main(String[] args) {
        Path folder = Path.of(args[0]);
        String spec = args.length > 1 ? args[1] : "auto";
        int promptTokens = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        try (Accelerator acc = Accelerator.open(spec); Decoder decoder = Decoder.open(folder, acc, Precision.BF16)) {
            Random random = new Random(7);
            List<int[]> prompts = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                prompts.add(random.ints(promptTokens, 0, decoder.config().vocabSize()).toArray());
            }
            Generator generator = new Generator(decoder);
            time(generator, prompts, 4); // warm-up: compiles every kernel, fills the allocator's cache
            double one = time(generator, prompts, 1);
            double all = time(generator, prompts, newTokens);
            System.out.printf(Locale.ROOT, "loris %s on %s: batch %d, prompt %d: prefill %.1f ms; decode %.1f ms/step,"
                            + " %.1f tokens/s per sequence, %.1f tokens/s in all%n", decoder.config().architecture(),
                    acc.description(), batch, promptTokens, one * 1e3, (all - one) / (newTokens - 1) * 1e3,
                    (newTokens - 1) / (all - one), batch * (newTokens - 1) / (all - one));
        }
    }

    private static double time(Generator generator, List<int[]> prompts, int newTokens) {
        long start = System.nanoTime();
        generator.generate(prompts, newTokens, SamplingSettings.GREEDY, Set.of(), null);
        return (System.nanoTime() - start) / 1e9;
    }
}
