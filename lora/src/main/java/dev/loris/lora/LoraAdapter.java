package dev.loris.lora;

import dev.loris.LorisException;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.GradientSink;
import dev.loris.model.decoder.HostCopies;
import dev.loris.model.decoder.LayerWeights;
import dev.loris.model.decoder.Projection;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A LoRA adapter attached to a {@link Decoder}: the trainable state and the seam to the trainer. Every A (r, in)
 * and B (out, r) of every adapted projection lives in ONE flat f32 buffer ({@link #parameters}), with the
 * gradients in a second of the same layout, so an optimizer updates all of them in one pass. A bf16 decoder
 * multiplies with a bf16 copy of the master weights, refreshed by {@link #parametersChanged()}.
 *
 * <p>The adapter is the {@link GradientSink} of a LoRA step: it gives slots for {@code <module>.lora_A.weight}
 * and {@code .lora_B.weight} (and for the modules trained in full, see {@link LoraConfig#modulesToSave}) and
 * null for every frozen weight, so the base model gets no gradient memory.
 *
 * <p>Initialisation is PEFT's default from the config's seed: A uniform in ±1/sqrt(in) (kaiming_uniform with
 * a = sqrt(5)), B zero, so the adapter starts as a no-op. (The same distribution, not torch's random stream.)
 */
public final class LoraAdapter implements GradientSink, AutoCloseable {
    /** One adapted projection: where its A and B start in the flat buffers. */
    public record Module(String name, int in, int out, long offsetA, long offsetB) {
        public String aName() {
            return name + ".lora_A.weight";
        }

        public String bName() {
            return name + ".lora_B.weight";
        }
    }

    private final LoraConfig config;
    private final Decoder decoder;
    private final Accelerator acc;
    private final List<Module> modules = new ArrayList<>();
    private final Map<String, Slot> slots = new LinkedHashMap<>();   // parameter name -> its gradient's place
    private final long size;
    private final DeviceArray parameters;    // (size) f32: every A then B, module after module
    private final DeviceArray computeCopy;   // (size) bf16 for a bf16 decoder, else the parameters themselves
    private final DeviceArray gradients;     // (size) f32, same layout
    private final FullModules fullModules;   // embed_tokens / lm_head trained in full, or none
    private LoraScratch scratch;

    private LoraAdapter(Decoder decoder, LoraConfig config) {
        this.config = config;
        this.decoder = decoder;
        this.acc = decoder.accelerator();
        long offset = 0;
        for (LayerWeights layer : decoder.weights().layers()) {
            for (Projection p : layer.projections()) {
                if (config.targets(p.name())) {
                    long b = offset + (long) config.rank() * p.inFeatures();
                    modules.add(new Module(p.name(), p.inFeatures(), p.outFeatures(), offset, b));
                    offset = b + (long) p.outFeatures() * config.rank();
                }
            }
        }
        this.size = offset;
        DeviceArray master = null;
        DeviceArray copy = null;
        DeviceArray grads = null;
        try {
            master = acc.allocate(FloatArray.class, size);
            copy = decoder.precision().arrayType == BFloat16Array.class ? acc.allocate(BFloat16Array.class, size) : master;
            grads = acc.allocate(FloatArray.class, size);
            grads.fillBytes((byte) 0);
        } catch (RuntimeException e) {
            for (DeviceArray a : new DeviceArray[] {master, copy, grads}) {
                if (a != null) {
                    a.close();
                }
            }
            throw e;
        }
        this.parameters = master;
        this.computeCopy = copy;
        this.gradients = grads;
        for (Module m : modules) {
            slots.put(m.aName(), new Slot(gradients, m.offsetA, (long) config.rank() * m.in));
            slots.put(m.bName(), new Slot(gradients, m.offsetB, (long) m.out * config.rank()));
        }
        this.fullModules = new FullModules(decoder, config.modulesToSave());
    }

    /** A new adapter with PEFT's initialisation, attached to {@code decoder} (which then computes through it). */
    public static LoraAdapter attach(Decoder decoder, LoraConfig config) {
        LoraAdapter adapter = new LoraAdapter(decoder, forModel(decoder, config));
        try {
            adapter.initialise();
            adapter.wire();
            return adapter;
        } catch (RuntimeException e) {
            adapter.close();
            throw e;
        }
    }

    /**
     * {@code config} with only the targets this model's projections answer to (all-linear on Phi-3: qkv_proj, o_proj,
     * gate_up_proj, down_proj), as PEFT's adapter_config.json lists them; a LorisException naming the model's own
     * projections when none is left (q_proj on Phi-3, qkv_proj on Llama).
     */
    static LoraConfig forModel(Decoder decoder, LoraConfig config) {
        Set<String> present = new LinkedHashSet<>();
        for (LayerWeights layer : decoder.weights().layers()) {
            for (Projection p : layer.projections()) {
                present.add(p.name().substring(p.name().lastIndexOf('.') + 1));
            }
        }
        List<String> kept = config.targetModules().stream().filter(present::contains).toList();
        if (kept.isEmpty()) {
            throw new LorisException("LoRA target modules " + String.join(", ", config.targetModules())
                    + " name no projection of this " + decoder.config().architecture().modelType() + " model",
                    "its projections are " + String.join(", ", present) + " (or give all-linear)");
        }
        return kept.equals(config.targetModules()) ? config : config.withTargets(kept);
    }

    /** The PEFT adapter in {@code folder} (adapter_config.json, adapter_model.safetensors) attached to {@code decoder}. */
    public static LoraAdapter load(Decoder decoder, Path folder) {
        PeftAdapterFiles.Read files = PeftAdapterFiles.read(folder);
        try (SafetensorsFile file = files.file()) {
            LoraAdapter adapter = new LoraAdapter(decoder, files.config());
            try {
                adapter.fill(files);
                adapter.wire();
                return adapter;
            } catch (RuntimeException e) {
                adapter.close();
                throw e;
            }
        }
    }

    /** Writes the adapter as PEFT 0.21 does (see {@link PeftAdapterFiles}), atomically. */
    public void save(Path folder, String baseModelNameOrPath) {
        PeftAdapterFiles.write(folder, this, baseModelNameOrPath);
    }

    public LoraConfig config() {
        return config;
    }

    public Decoder decoder() {
        return decoder;
    }

    public List<Module> modules() {
        return List.copyOf(modules);
    }

    /** The f32 master weights (every A then B), for the optimizer. */
    public DeviceArray parameters() {
        return parameters;
    }

    /** The f32 gradients, same layout as {@link #parameters()}; backward adds to them. */
    public DeviceArray gradients() {
        return gradients;
    }

    /** The modules trained in full (modules_to_save): their master weights and gradients, for the optimizer. */
    public FullModules fullModules() {
        return fullModules;
    }

    /** Zeroes every gradient: at the start of each accumulation window. */
    public void zeroGradients() {
        gradients.fillBytes((byte) 0);
        fullModules.zeroGradients();
    }

    /** After the master weights changed (an optimizer step, a load): refreshes what the decoder multiplies with. */
    public void parametersChanged() {
        if (computeCopy != parameters) {
            decoder.compute().kernels().toBf16(parameters, computeCopy, size);
        }
        fullModules.parametersChanged(decoder.compute().kernels());
    }

    @Override
    public Slot slot(String name, long elements) {
        Slot slot = slots.get(name);
        if (slot == null) {
            return fullModules.slot(name, elements);
        }
        if (slot.elements() != elements) {
            throw new IllegalStateException(name + ": " + elements + " values asked for, the adapter has " + slot.elements());
        }
        return slot;
    }

    /** The master values of every parameter by its checkpoint-style name (A and B, then full modules), on the host. */
    public Map<String, float[]> read() {
        Map<String, float[]> values = byName(parameters);
        values.putAll(fullModules.read());
        return values;
    }

    /** The gradients by parameter name, on the host (tests, diagnostics). */
    public Map<String, float[]> readGradients() {
        Map<String, float[]> values = byName(gradients);
        values.putAll(fullModules.readGradients());
        return values;
    }

    /** A flat buffer's A and B slices by parameter name. */
    private Map<String, float[]> byName(DeviceArray flat) {
        FloatArray host = new FloatArray(size);
        flat.copyTo(host);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Module m : modules) {
            values.put(m.aName(), HostCopies.slice(host, m.offsetA, (long) config.rank() * m.in));
            values.put(m.bName(), HostCopies.slice(host, m.offsetB, (long) m.out * config.rank()));
        }
        return values;
    }

    /** Working buffers for a pass of {@code tokens} tokens, grown when a longer pass comes. */
    LoraScratch scratch(int tokens) {
        if (scratch == null || scratch.tokens < tokens) {
            if (scratch != null) {
                scratch.close();
            }
            int maxIn = modules.stream().mapToInt(Module::in).max().orElse(1);
            scratch = new LoraScratch(acc, computeCopy.arrayType(), tokens, config.rank(), maxIn, config.dropout() > 0);
        }
        return scratch;
    }

    /** The weights the projections multiply with (bf16 copy or the f32 master). */
    DeviceArray computeWeights() {
        return computeCopy;
    }

    private void initialise() {
        FloatArray host = new FloatArray(size); // zero: every B
        SplittableRandom random = new SplittableRandom(config.seed());
        for (Module m : modules) {
            double bound = 1 / Math.sqrt(m.in);
            long count = (long) config.rank() * m.in;
            for (long i = 0; i < count; i++) {
                host.set(m.offsetA + i, (float) random.nextDouble(-bound, bound));
            }
        }
        parameters.copyFrom(host);
        parametersChanged();
    }

    private void fill(PeftAdapterFiles.Read files) {
        FloatArray host = new FloatArray(size);
        for (Module m : modules) {
            put(host, files, m.aName(), m.offsetA, config.rank(), m.in);
            put(host, files, m.bName(), m.offsetB, m.out, config.rank());
        }
        for (String name : files.tensorNames()) {
            if (!slots.containsKey(name) && !fullModules.has(name)) {
                throw new LorisException("the adapter in " + files.folder() + " has " + PeftAdapterFiles.KEY_PREFIX + name
                        + ", which this model has no place for", "load the adapter onto the base model it was"
                        + " trained on (see base_model_name_or_path in its adapter_config.json)");
            }
        }
        parameters.copyFrom(host);
        fullModules.load(files);
        parametersChanged();
    }

    private static void put(FloatArray host, PeftAdapterFiles.Read files, String name, long offset, int rows, int cols) {
        float[] values = files.tensor(name, rows, cols);
        for (int i = 0; i < values.length; i++) {
            host.set(offset + i, values[i]);
        }
    }

    /** Puts a LoRA projection in place of each adapted one. */
    private void wire() {
        Map<String, Module> byName = new LinkedHashMap<>();
        modules.forEach(m -> byName.put(m.name, m));
        decoder.replaceProjections(p -> {
            Module m = byName.get(p.name());
            return m == null ? p : new LoraProjection(p, this, m.offsetA, m.offsetB);
        });
    }

    /** Frees the adapter's buffers (the decoder's projections still refer to it: close the decoder too). */
    @Override
    public void close() {
        if (scratch != null) {
            scratch.close();
        }
        fullModules.close();
        if (computeCopy != parameters) {
            computeCopy.close();
        }
        parameters.close();
        gradients.close();
    }
}
