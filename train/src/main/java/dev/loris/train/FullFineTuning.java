package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.model.CheckpointRewrite;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.DecoderWeights;
import dev.loris.model.decoder.DenseProjection;
import dev.loris.model.decoder.HostCopies;
import dev.loris.model.decoder.LayerWeights;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.Projection;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.KernelLaunch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Full fine-tuning: every weight of a decoder trains (embedding, every projection and bias, every norm, the LM
 * head unless it is tied to the embedding, which then takes both gradients).
 *
 * <p>f32 master weights with the decoder's own weights as compute copies, not bf16 weights with stochastic
 * rounding: an update of lr·m/sqrt(v) ~ 1e-5 is far below bf16's resolution of a weight of size 1 (2^-8), so
 * bf16 storage needs stochastic rounding to move at all, and then its updates are noisy and its results depend
 * on the random stream; f32 masters make a bf16 run's updates exact, match what PyTorch's mixed precision
 * does, and make an f32 run agree with transformers' in f32. The price is 4 more bytes a parameter (beside the
 * f32 gradient and the optimizer's state), so full fine-tuning is for models that fit: 16 bytes a parameter
 * with AdamW, about 10 with 8-bit AdamW, plus the decoder's own weights.
 *
 * <p>llm.c's layout: every trained tensor is a range of ONE flat f32 master buffer, its gradient the same range
 * of ONE flat gradient buffer (the backward's kernels take the offsets), in three contiguous groups: the
 * embedding and an untied LM head (at {@code embeddingLrMultiplier} times the rate: Unsloth's
 * embedding_learning_rate, for continued pretraining), the projection matrices, and the norms and biases
 * (no weight decay, as HF Trainer). After each step {@link #parametersChanged} writes each range into the
 * decoder's weight (a copy in f32, rounded to bf16 in bf16). In an f32 model the decoder's weights duplicate
 * the masters (the kernels that read weights take no offsets); the saved model is the masters.
 *
 * <p>Needs dense 16- or 32-bit weights: a quantised projection (--load-in-4bit) is refused.
 */
public final class FullFineTuning implements TrainableParameters {
    /** One trained tensor: its checkpoint name, the decoder's weight and its range in the flat buffers. */
    private record Tensor(String name, DeviceArray weight, long offset) {
        long length() {
            return weight.length();
        }
    }

    private final Decoder decoder;
    private final Path baseFolder;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final List<Group> groups = new ArrayList<>();
    private final DeviceArray master;     // (total) f32: every trained tensor, group after group
    private final DeviceArray gradients;  // (total) f32, same layout
    private final KernelLaunch copyToF32;
    private final KernelLaunch copyToBf16;

    private FullFineTuning(Decoder decoder, Path baseFolder, double embeddingLrMultiplier) {
        this.decoder = decoder;
        this.baseFolder = baseFolder;
        DecoderWeights w = decoder.weights();
        List<List<Tensor>> layout = layout(w);
        long total = layout.stream().flatMap(List::stream).mapToLong(Tensor::length).sum();
        Accelerator acc = decoder.accelerator();
        this.master = acc.allocate(FloatArray.class, total);
        DeviceArray grads = null;
        try {
            grads = acc.allocate(FloatArray.class, total);
            grads.fillBytes((byte) 0);
            master.copyFrom(initialMaster(total));
        } catch (RuntimeException e) {
            master.close();
            if (grads != null) {
                grads.close();
            }
            throw e;
        }
        this.gradients = grads;
        String[] names = {"embeddings", "matrices", "norms_and_biases"};
        double[] rates = {embeddingLrMultiplier, 1, 1};
        for (int g = 0; g < layout.size(); g++) {
            List<Tensor> members = layout.get(g);
            if (!members.isEmpty()) {
                long start = members.getFirst().offset();
                long length = members.stream().mapToLong(Tensor::length).sum();
                groups.add(new Group(names[g], master, gradients, start, length, rates[g], g < 2));
            }
        }
        this.copyToF32 = acc.compile(MasterWeightKernels.class, "copyOut", Map.of(3, FloatArray.class)).launcher();
        this.copyToBf16 = acc.compile(MasterWeightKernels.class, "copyOut", Map.of(3, BFloat16Array.class)).launcher();
    }

    /**
     * Every weight of {@code decoder} trained, with f32 masters initialised from its weights; {@code baseFolder}
     * is the checkpoint it was loaded from (its config, tokenizer and tensor order are what {@link #save} writes).
     */
    public static FullFineTuning of(Decoder decoder, Path baseFolder, double embeddingLrMultiplier) {
        if (!(embeddingLrMultiplier >= 0) || Double.isInfinite(embeddingLrMultiplier)) {
            throw new LorisException("the embedding learning-rate multiplier " + embeddingLrMultiplier + " is not a"
                    + " number of 0 or more", "give --embedding-lr as a learning rate, e.g. 5e-6");
        }
        return new FullFineTuning(decoder, baseFolder, embeddingLrMultiplier);
    }

    /** The three groups' tensors with their offsets: embeddings, matrices, norms and biases. */
    private List<List<Tensor>> layout(DecoderWeights w) {
        List<Tensor> embeddings = new ArrayList<>();
        List<Tensor> matrices = new ArrayList<>();
        List<Tensor> small = new ArrayList<>();
        long[] offset = {0};
        add(embeddings, offset, "model.embed_tokens.weight", w.embedding());
        if (!w.tied) {
            add(embeddings, offset, "lm_head.weight", dense(w.lmHead()).weight());
        }
        for (LayerWeights layer : w.layers()) {
            for (Projection p : layer.projections()) {
                add(matrices, offset, p.name() + ".weight", dense(p).weight());
            }
        }
        for (LayerWeights layer : w.layers()) {
            String prefix = layer.prefix();
            add(small, offset, prefix + "input_layernorm.weight", layer.inputNorm());
            if (layer.qNorm() != null) {
                add(small, offset, prefix + "self_attn.q_norm.weight", layer.qNorm());
                add(small, offset, prefix + "self_attn.k_norm.weight", layer.kNorm());
            }
            add(small, offset, prefix + "post_attention_layernorm.weight", layer.postAttentionNorm());
            if (layer.preFeedforwardNorm() != null) { // Gemma's norms around the MLP
                add(small, offset, prefix + "pre_feedforward_layernorm.weight", layer.preFeedforwardNorm());
                add(small, offset, prefix + "post_feedforward_layernorm.weight", layer.postFeedforwardNorm());
            }
            for (Projection p : layer.projections()) {
                DeviceArray bias = dense(p).bias();
                if (bias != null) {
                    add(small, offset, p.name() + ".bias", bias);
                }
            }
        }
        add(small, offset, "model.norm.weight", w.finalNorm);
        return List.of(embeddings, matrices, small);
    }

    private void add(List<Tensor> group, long[] offset, String name, DeviceArray weight) {
        Tensor t = new Tensor(name, weight, offset[0]);
        group.add(t);
        tensors.put(name, t);
        offset[0] += weight.length();
    }

    private static DenseProjection dense(Projection p) {
        if (p instanceof DenseProjection d) {
            return d;
        }
        throw new LorisException("full fine-tuning trains every weight, but " + p.name() + " is not a dense weight"
                + " (" + p.getClass().getSimpleName() + ")", "load the model in bf16 or f32, without --load-in-4bit"
                + " and without a LoRA adapter attached");
    }

    private FloatArray initialMaster(long total) {
        FloatArray host = new FloatArray(total);
        for (Tensor t : tensors.values()) {
            float[] values = HostCopies.floats(t.weight());
            for (int i = 0; i < values.length; i++) {
                host.set(t.offset() + i, values[i]);
            }
        }
        return host;
    }

    @Override
    public List<Group> groups() {
        return List.copyOf(groups);
    }

    @Override
    public Slot slot(String name, long elements) {
        Tensor t = tensors.get(name);
        if (t == null) {
            return null;
        }
        if (t.length() != elements) {
            throw new IllegalStateException(name + ": " + elements + " values asked for, the model has " + t.length());
        }
        return new Slot(gradients, t.offset(), elements);
    }

    @Override
    public void zeroGradients() {
        gradients.fillBytes((byte) 0);
    }

    @Override
    public void parametersChanged() {
        Accelerator acc = decoder.accelerator();
        for (Tensor t : tensors.values()) {
            KernelLaunch copy = t.weight().arrayType() == BFloat16Array.class ? copyToBf16 : copyToF32;
            long n = t.length();
            copy.set(1, master).set(2, t.offset()).set(3, t.weight()).set(4, n)
                    .launch(Math.min(1 << 20, (n + 255) / 256 * 256), 256, acc.defaultStream());
        }
        acc.synchronize();
    }

    /** The trained names, in the flat buffer's order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** The master values of every trained tensor by checkpoint name, on the host (tests, diagnostics). */
    public Map<String, float[]> read() {
        return byName(master);
    }

    /** The gradients by checkpoint name, on the host (tests, diagnostics). */
    public Map<String, float[]> readGradients() {
        return byName(gradients);
    }

    private Map<String, float[]> byName(DeviceArray flat) {
        FloatArray host = new FloatArray(flat.length());
        flat.copyTo(host);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            values.put(t.name(), HostCopies.slice(host, t.offset(), t.length()));
        }
        return values;
    }

    /**
     * Writes the trained model to {@code folder} as the base checkpoint is laid out (same tensor names and
     * order, sharded at 5 GB, config and tokenizer files copied), atomically; our decoder and transformers load
     * it as they load the base. Trained tensors are stored in the precision the model trained in, as
     * save_pretrained stores a model's current dtype: bf16 (the masters rounded as the decoder's weights were,
     * so the saved model computes exactly what the trained one did) or f32 (the masters themselves).
     */
    @Override
    public void save(Path folder) {
        FloatArray host = new FloatArray(master.length());
        master.copyTo(host);
        Dtype type = decoder.precision() == Precision.F32 ? Dtype.F32 : Dtype.BF16;
        try (CheckpointRewrite rewrite = CheckpointRewrite.of(baseFolder)) {
            List<String> missing = new ArrayList<>(tensors.keySet());
            for (String name : rewrite.names()) {
                TensorInfo info = rewrite.info(name);
                Tensor t = tensors.get(name);
                if (t != null && info.elementCount() == t.length() && info.dtype().readableAsFloat()) {
                    rewrite.replace(name, type, () -> HostCopies.slice(host, t.offset(), t.length()));
                    missing.remove(name);
                } else {
                    rewrite.keep(name, info.dtype());
                }
            }
            if (!missing.isEmpty()) {
                throw new LorisException("the checkpoint " + baseFolder + " has no float tensor of the right size for "
                        + missing.getFirst() + " (" + missing.size() + " trained tensors missing)", "save onto the"
                        + " checkpoint the model was loaded from");
            }
            rewrite.writeTo(folder);
        }
    }

    @Override
    public String savedName() {
        return "model";
    }

    @Override
    public void close() {
        master.close();
        gradients.close();
    }
}
