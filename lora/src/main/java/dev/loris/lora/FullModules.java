package dev.loris.lora;

import dev.loris.LorisException;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.DenseProjection;
import dev.loris.model.decoder.GradientSink;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The modules a LoRA adapter trains in full beside its A and B matrices (PEFT's modules_to_save):
 * embed_tokens and lm_head, for continued pretraining and new tokens. Each keeps an f32 master copy of the
 * decoder's weight and an f32 gradient; after an optimizer step the master is written back into the weight the
 * decoder multiplies with (rounded to bf16 in a bf16 model; the f32 weight itself is the master in f32).
 *
 * <p>A tied LM head is the embedding: training embed_tokens trains it, and naming lm_head alone is refused.
 */
public final class FullModules implements AutoCloseable {
    /** One module trained in full. */
    public record Trained(String parameterName, DeviceArray weight, DeviceArray master, DeviceArray gradient) {
        /** The PEFT module name (embed_tokens, lm_head). */
        public String module() {
            return parameterName.equals(EMBEDDING) ? "embed_tokens" : "lm_head";
        }
    }

    static final String EMBEDDING = "model.embed_tokens.weight";
    static final String HEAD = "lm_head.weight";

    private final Accelerator acc;
    private final List<Trained> trained = new ArrayList<>();

    FullModules(Decoder decoder, List<String> modules) {
        this.acc = decoder.accelerator();
        try {
            for (String module : modules) {
                if (module.equals("embed_tokens")) {
                    add(EMBEDDING, decoder.weights().embedding());
                } else if (decoder.weights().tied) {
                    throw new LorisException("modules_to_save has lm_head, but this model ties lm_head to"
                            + " embed_tokens", "train embed_tokens instead: the tied head is the same weight");
                } else if (decoder.weights().lmHead() instanceof DenseProjection head) {
                    add(HEAD, head.weight());
                } else {
                    throw new LorisException("modules_to_save has lm_head, but this model's head is not a dense"
                            + " 16-bit weight", "train the head only on a model loaded without quantising it");
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void add(String name, DeviceArray weight) {
        DeviceArray master = weight;
        if (weight.arrayType() == BFloat16Array.class) {
            BFloat16Array bits = new BFloat16Array(weight.length());
            weight.copyTo(bits);
            FloatArray widened = new FloatArray(weight.length());
            for (long i = 0; i < weight.length(); i++) {
                widened.set(i, TornadoMath.bfloat16ToFloat(bits.get(i)));
            }
            master = acc.upload(widened);
        }
        DeviceArray gradient = acc.allocate(FloatArray.class, weight.length());
        gradient.fillBytes((byte) 0);
        trained.add(new Trained(name, weight, master, gradient));
    }

    public List<Trained> trained() {
        return List.copyOf(trained);
    }

    boolean has(String parameterName) {
        return trained.stream().anyMatch(t -> t.parameterName.equals(parameterName));
    }

    GradientSink.Slot slot(String name, long elements) {
        for (Trained t : trained) {
            if (t.parameterName.equals(name)) {
                return new GradientSink.Slot(t.gradient, 0, elements);
            }
        }
        return null;
    }

    void zeroGradients() {
        trained.forEach(t -> t.gradient.fillBytes((byte) 0));
    }

    void parametersChanged(KernelLaunchers kernels) {
        for (Trained t : trained) {
            if (t.master != t.weight) {
                kernels.toBf16(t.master, t.weight, t.weight.length());
            }
        }
    }

    /** Sets each master (and the decoder's weight) from the adapter files. */
    void load(PeftAdapterFiles.Read files) {
        for (Trained t : trained) {
            if (!files.hasTensor(t.parameterName)) {
                throw new LorisException("adapter_config.json in " + files.folder() + " lists " + t.module()
                        + " in modules_to_save but adapter_model.safetensors has no " + PeftAdapterFiles.KEY_PREFIX
                        + t.parameterName, "the adapter files are incomplete: save the adapter again");
            }
            t.master.copyFrom(files.tensorOffHeap(t.parameterName, t.weight.length()));
        }
    }

    Map<String, float[]> read() {
        return readAll(false);
    }

    Map<String, float[]> readGradients() {
        return readAll(true);
    }

    private Map<String, float[]> readAll(boolean gradients) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Trained t : trained) {
            DeviceArray source = gradients ? t.gradient : t.master;
            FloatArray host = new FloatArray(source.length());
            source.copyTo(host);
            values.put(t.parameterName, host.toHeapArray());
        }
        return values;
    }

    @Override
    public void close() {
        for (Trained t : trained) {
            if (t.master != t.weight) {
                t.master.close();
            }
            t.gradient.close();
        }
        trained.clear();
    }
}
