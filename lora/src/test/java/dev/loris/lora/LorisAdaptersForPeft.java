package dev.loris.lora;

import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.Precision;
import dev.loris.tornado.runtime.Accelerator;

import java.nio.file.Path;
import java.util.List;

/**
 * Writes what Loris makes for PEFT and transformers to check on the GPU machine
 * (lora/src/test/resources/peft/make_peft_fixtures.py --check): for each reference model an adapter with random
 * A and B ({@code <dir>/<model>/adapter}) and the bf16 merge of it into the model ({@code <dir>/<model>/merged}).
 * Deterministic: {@link AgainstPeftTest} writes them again and requires the committed bytes.
 *
 * <p>Usage (from the repository root, after a build): {@code java -cp ... dev.loris.lora.LorisAdaptersForPeft
 * lora/src/test/resources/peft/loris}
 */
public final class LorisAdaptersForPeft {
    private LorisAdaptersForPeft() {
    }

    /** {@code DIR [MODEL ...]}: every model with PEFT fixtures by default, or the ones named. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        for (String model : args.length > 1 ? List.of(args).subList(1, args.length) : LoraTestModels.MODELS) {
            write(dir.resolve(model), model);
        }
    }

    static void write(Path folder, String model) {
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder(model), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, config(model))) {
            LoraTestModels.randomise(adapter, 1000 + model.length(), 0.1);
            adapter.save(folder.resolve("adapter"), "hf-models/" + model);
            LoraMerge.merge(HfFixture.folder(model), adapter, folder.resolve("merged"));
        }
    }

    /** Settings that differ per model, so every scaling rule and a target subset are exercised. */
    static LoraConfig config(String model) {
        return switch (model) {
            case "llama3" -> LoraTestModels.config(8, 16, false, 0);
            case "mistral" -> LoraTestModels.config(4, 4, true, 0.1);
            case "qwen2" -> LoraTestModels.config(2, 5, false, 0).withTargets(List.of("q_proj", "v_proj",
                    "down_proj"));
            default -> LoraTestModels.config(16, 32, true, 0);
        };
    }
}
