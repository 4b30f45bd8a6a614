package dev.loris.cli;

import dev.loris.InvalidSettingException;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.ProjectionLoader;
import dev.loris.quant.QuantScheme;
import dev.loris.quant.QuantizedProjections;

import java.util.Locale;

/** The options every command that opens a model shares: --precision and --load-in-4bit / --load-in-8bit. */
final class ModelLoading {
    private ModelLoading() {
    }

    /** --precision bf16 or f32. */
    static Precision precision(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bf16" -> Precision.BF16;
            case "f32" -> Precision.F32;
            default -> throw new InvalidSettingException("unknown --precision " + name, "use bf16 or f32");
        };
    }

    /** Dense layers, or quantised while loading (bnb-quantised checkpoints are read as stored either way). */
    static ProjectionLoader projections(boolean loadIn4bit, boolean loadIn8bit) {
        if (loadIn4bit && loadIn8bit) {
            throw new InvalidSettingException("--load-in-4bit and --load-in-8bit both given", "choose one");
        }
        if (loadIn4bit || loadIn8bit) {
            return QuantizedProjections.loader(loadIn4bit ? QuantScheme.LOAD_IN_4BIT : QuantScheme.LOAD_IN_8BIT);
        }
        return ProjectionLoader.DENSE;
    }
}
