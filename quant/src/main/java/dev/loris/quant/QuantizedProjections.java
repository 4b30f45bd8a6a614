package dev.loris.quant;

import dev.loris.LorisException;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.Projection;
import dev.loris.model.decoder.ProjectionLoader;
import dev.loris.model.decoder.WeightLoader;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.Arrays;

/**
 * The {@link ProjectionLoader}s of quantised models, for {@code Decoder.open(folder, accelerator, BF16, ...)}:
 * every layer projection becomes a {@link QuantizedProjection} (the embedding, the norms and the LM head stay
 * in bf16, as QLoRA and Unsloth keep them). Weights a checkpoint stores quantised are read as stored; 16-bit
 * ones are quantised tensor by tensor while loading, so the 16-bit model is never on the device.
 */
public final class QuantizedProjections {
    private QuantizedProjections() {
    }

    /** Quantises 16-bit weights as {@code scheme} says ({@code --load-in-4bit}, {@code --load-in-8bit}). */
    public static ProjectionLoader loader(QuantScheme scheme) {
        return new Loader(scheme);
    }

    /** Reads a checkpoint bitsandbytes quantised (a {@code *-bnb-4bit} model) as stored; refuses 16-bit weights. */
    public static ProjectionLoader prequantized() {
        return new Loader(null);
    }

    private static final class Loader implements ProjectionLoader {
        private final QuantScheme scheme;
        private DequantScratch scratch;

        Loader(QuantScheme scheme) {
            this.scheme = scheme;
        }

        @Override
        public Projection load(WeightLoader loader, String name, int in, int out, boolean bias) {
            if (loader.precision() != Precision.BF16) {
                throw new LorisException("quantised weights compute in bf16, not " + loader.precision(),
                        "load a quantised model with precision bf16");
            }
            String weightName = name + ".weight";
            QuantizedLoader quantized = new QuantizedLoader(loader.checkpoint(), loader.accelerator());
            if (scheme == null && !quantized.isPrequantized(weightName)) {
                throw new LorisException(weightName + " in " + loader.checkpoint().location() + " is not quantised",
                        "load 16-bit checkpoints with --load-in-4bit or --load-in-8bit to quantise them");
            }
            QuantizedWeight weight = quantized.load(weightName, scheme);
            try {
                if (!Arrays.equals(weight.shape(), new long[] {out, in})) {
                    throw new LorisException("tensor " + weightName + " in " + loader.checkpoint().location()
                            + " has shape " + Arrays.toString(weight.shape()) + " but config.json needs [" + out
                            + ", " + in + "]", "the weights do not match config.json: check that both come from"
                            + " the same model");
                }
                DeviceArray biasArray = bias ? loader.tensor(name + ".bias", out) : null;
                if (scratch == null) {
                    scratch = new DequantScratch(loader.accelerator());
                }
                return new QuantizedProjection(name, weight, biasArray, scratch);
            } catch (RuntimeException e) {
                weight.close();
                throw e;
            }
        }
    }
}
