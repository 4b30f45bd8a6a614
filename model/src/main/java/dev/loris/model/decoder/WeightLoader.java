package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads a Hugging Face checkpoint folder (config.json and its safetensors files) onto an accelerator in a
 * {@link Precision}. Each tensor is read from the memory-mapped file and copied once to the device; a tensor
 * whose dtype differs from the precision (bf16 weights in f32 mode, f32 or f16 weights in bf16 mode) is
 * converted through off-heap memory, never through the Java heap. Every tensor's shape is checked against
 * config.json first, so a checkpoint that does not belong to its config fails with the tensor's name,
 * both shapes and the file, before anything reaches the device.
 */
public final class WeightLoader {
    private final ModelConfig config;
    private final SafetensorsCheckpoint checkpoint;
    private final Accelerator accelerator;
    private final Precision precision;
    private final ProjectionLoader projections;
    private final List<AutoCloseable> loaded = new ArrayList<>(); // device arrays and projections, freed on failure

    private WeightLoader(ModelConfig config, SafetensorsCheckpoint checkpoint, Accelerator accelerator,
                         Precision precision, ProjectionLoader projections) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.accelerator = accelerator;
        this.precision = precision;
        this.projections = projections;
    }

    /** Reads config.json and the weights of {@code folder}, every projection dense. */
    public static DecoderWeights load(Path folder, Accelerator accelerator, Precision precision) {
        return load(folder, accelerator, precision, ProjectionLoader.DENSE);
    }

    /** Reads config.json and the weights of {@code folder}; {@code projections} makes the layers' linear modules. */
    public static DecoderWeights load(Path folder, Accelerator accelerator, Precision precision,
                                      ProjectionLoader projections) {
        ModelConfig config = ModelConfig.read(folder);
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(folder)) {
            WeightLoader loader = new WeightLoader(config, checkpoint, accelerator, precision, projections);
            try {
                return loader.all();
            } catch (RuntimeException e) {
                for (AutoCloseable resource : loader.loaded) {
                    try {
                        resource.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
    }

    public ModelConfig config() {
        return config;
    }

    public SafetensorsCheckpoint checkpoint() {
        return checkpoint;
    }

    public Accelerator accelerator() {
        return accelerator;
    }

    public Precision precision() {
        return precision;
    }

    /** {@code name.weight} (out, in) and, when {@code bias}, {@code name.bias} (out) uploaded as they are. */
    public DenseProjection dense(String name, int in, int out, boolean bias) {
        return new DenseProjection(name, in, out, tensor(name + ".weight", out, in),
                bias ? tensor(name + ".bias", out) : null);
    }

    private DecoderWeights all() {
        int hidden = config.hiddenSize();
        DeviceArray embedding = tensor("model.embed_tokens.weight", config.vocabSize(), hidden);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(layer("model.layers." + i + "."));
        }
        DeviceArray finalNorm = tensor("model.norm.weight", hidden);
        DenseProjection head = config.tieWordEmbeddings()
                ? DenseProjection.tiedHead("lm_head", embedding, "model.embed_tokens.weight", hidden, config.vocabSize())
                : dense("lm_head", hidden, config.vocabSize(), false);
        return new DecoderWeights(config, precision, accelerator, embedding, layers, finalNorm, head,
                config.tieWordEmbeddings(), loaded);
    }

    private LayerWeights layer(String prefix) {
        int hidden = config.hiddenSize();
        int qWidth = config.numAttentionHeads() * config.headDim();
        int kvWidth = config.numKeyValueHeads() * config.headDim();
        int intermediate = config.intermediateSize();
        boolean qkNorm = config.hasQkNorm();
        boolean gemma = config.isGemma();
        boolean fused = config.hasFusedProjections();
        return new LayerWeights(prefix,
                tensor(prefix + "input_layernorm.weight", hidden),
                fused ? linear(prefix + "self_attn.qkv_proj", hidden, qWidth + 2 * kvWidth, false)
                        : linear(prefix + "self_attn.q_proj", hidden, qWidth, config.qkvBias()),
                fused ? null : linear(prefix + "self_attn.k_proj", hidden, kvWidth, config.qkvBias()),
                fused ? null : linear(prefix + "self_attn.v_proj", hidden, kvWidth, config.qkvBias()),
                linear(prefix + "self_attn.o_proj", qWidth, hidden, config.outputProjectionBias()),
                qkNorm ? tensor(prefix + "self_attn.q_norm.weight", config.headDim()) : null,
                qkNorm ? tensor(prefix + "self_attn.k_norm.weight", config.headDim()) : null,
                tensor(prefix + "post_attention_layernorm.weight", hidden),
                fused ? linear(prefix + "mlp.gate_up_proj", hidden, 2 * intermediate, false)
                        : linear(prefix + "mlp.gate_proj", hidden, intermediate, false),
                fused ? null : linear(prefix + "mlp.up_proj", hidden, intermediate, false),
                linear(prefix + "mlp.down_proj", intermediate, hidden, false),
                gemma ? tensor(prefix + "pre_feedforward_layernorm.weight", hidden) : null,
                gemma ? tensor(prefix + "post_feedforward_layernorm.weight", hidden) : null);
    }

    private Projection linear(String name, int in, int out, boolean bias) {
        Projection projection = projections.load(this, name, in, out, bias);
        loaded.add(projection);
        return projection;
    }

    /** Fails with the tensor's name, file and both shapes unless {@code name} has {@code shape}. */
    public void checkShape(String name, long... shape) {
        TensorInfo info = checkpoint.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new LorisException("tensor " + name + " in " + checkpoint.fileOf(name).path() + " has shape "
                    + Arrays.toString(info.shape()) + " but config.json (" + config.architecture() + ") needs "
                    + Arrays.toString(shape), "the weights do not match config.json: check that both come from"
                    + " the same model");
        }
    }

    /** The tensor {@code name} on the device in the model's precision, after checking its shape. */
    public DeviceArray tensor(String name, long... shape) {
        checkShape(name, shape);
        TensorInfo info = checkpoint.info(name);
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        DeviceArray array = accelerator.upload(hostCopy(name, info.dtype(), checkpoint.data(name), count));
        loaded.add(array);
        return array;
    }

    /** The mapped data as an array of the precision's type: the file's own bytes when the types agree. */
    private TornadoNativeArray hostCopy(String name, Dtype dtype, MemorySegment data, long count) {
        boolean bf16 = precision == Precision.BF16;
        if (dtype == Dtype.BF16 && bf16) {
            return BFloat16Array.wrap(data);
        }
        if (dtype == Dtype.F32 && !bf16) {
            return FloatArray.wrap(data);
        }
        if (!dtype.readableAsFloat()) {
            throw new LorisException("tensor " + name + " is " + dtype + ", not a float type Loris loads",
                    "use a checkpoint with bf16, f16 or f32 weights (quantised ones: see the quant module)");
        }
        TornadoNativeArray out = bf16 ? new BFloat16Array(count) : new FloatArray(count);
        for (long i = 0; i < count; i++) {
            float value = dtype.floatAt(data, i);
            if (bf16) {
                ((BFloat16Array) out).set(i, TornadoMath.floatToBfloat16(value));
            } else {
                ((FloatArray) out).set(i, value);
            }
        }
        return out;
    }
}
