package dev.loris.tornado.kernels;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernels of this package as typed calls on one accelerator's stream, for every module (the decoder,
 * LoRA, the trainer). Each method takes device arrays and sizes, picks the kernel form by the arrays' element
 * type (f32 or bf16; never by building a method name): the specialisation of a kernel written once against
 * FloatingPointArray, or a kernel of one element type. It sets the arguments through {@link KernelLaunch#set}
 * and launches: after the first call of each kernel (which compiles it) a launch allocates nothing on the
 * Java heap on CUDA and OpenCL.
 *
 * <p>The fastest verified form is the one launched: bf16 RMSNorm and SwiGLU (forward and backward) run their
 * packed kernels, four values per 8-byte access (docs/PERF.md: 87-95% of copy bandwidth against ~40% for
 * the 2-byte forms), whenever the sizes are multiples of 4; otherwise the plain bf16 kernel.
 * {@link #launchCounts()} says which kernels ran, so tests and profiles can check it.
 *
 * <p>Attention on bf16 arrays runs on tensor cores where {@link #tensorCoreAttention()} says so (CUDA, compute
 * capability 8.0 and newer, unless {@link #TENSOR_CORE_ATTENTION_ENABLED} is turned off or the constructor is
 * told otherwise): {@link FlashAttention#forwardBf16} for
 * head_dim a multiple of 16 up to 128 and {@link FlashAttentionBackward} for multiples of 16 up to 128 and of 32
 * up to 256, each compiled once per head_dim; other head sizes, f32, and the other devices run
 * {@link AttentionForward} and {@link AttentionBackward}, which stay the reference. Both forwards save the same
 * log-sum-exp, so either backward follows either forward.
 *
 * <p>Shapes in the comments are (rows, cols) of row-major arrays; "f32" marks arrays that are f32 whatever the
 * element type of the others. Work-group sizes: 256 (reductions) and 128 (attention, decoding) on devices; 1 on
 * the JVM, where a work-item of a larger group is a continuation switched at every barrier (about 0.1 us each,
 * more than the arithmetic between barriers), while a lone work-item passes its barriers at once and the
 * groups still spread over the cores. So generation on the JVM decodes with {@link AttentionDecode}'s one
 * group per (sequence, head), not FlashDecoding's splits of 128 keys.
 */
public final class KernelLaunchers {
    /** CUDA's limit on a grid's y extent; the embedding kernels stride over y, so any token count fits. */
    private static final int MAX_GRID_Y = 65_535;
    /** Grid-stride kernels get at most this many work-items; each then loops. */
    private static final long MAX_STRIDE_GRID = 1 << 20;

    private final Accelerator accelerator;
    private final DeviceStream stream;
    /** Decoding through FlashDecoding's splits (see the class comment for why not on the JVM). */
    private final boolean splitDecoding;
    private final int reductionGroup;
    private final int attentionGroup;
    private final int decodeGroup;
    private final boolean tensorCoreAttention;
    private final List<Variant> variants = new ArrayList<>();

    private final Variant rmsNorm = variant(RmsNorm.class, "forward");
    private final Variant rmsNormBf16Packed = variant(RmsNorm.class, "forwardBf16Packed");
    private final Variant rmsNormBackward = variant(RmsNormBackward.class, "backward");
    private final Variant rmsNormPartials = variant(RmsNormBackward.class, "weightGradientPartials");
    private final Variant rmsNormSumPartials = variant(RmsNormBackward.class, "sumPartials");
    private final Variant gemmaRmsNorm = variant(GemmaRmsNorm.class, "forward");
    private final Variant gemmaRmsNormBackward = variant(GemmaRmsNorm.class, "backward");
    private final Variant gemmaRmsNormPartials = variant(GemmaRmsNorm.class, "weightGradientPartials");
    private final Variant geGlu = variant(GeGlu.class, "forward");
    private final Variant geGluBackward = variant(GeGluBackward.class, "backward");
    private final Variant swiGlu = variant(SwiGlu.class, "forward");
    private final Variant swiGluBf16Packed = variant(SwiGlu.class, "forwardBf16Packed");
    private final Variant swiGluBackward = variant(SwiGluBackward.class, "backward");
    private final Variant swiGluBackwardBf16Packed = variant(SwiGluBackward.class, "backwardBf16Packed");
    private final Variant ropeForward = variant(Rope.class, "forward");
    private final Variant ropeBackward = variant(Rope.class, "backward");
    private final Variant attention = variant(AttentionForward.class, "forward");
    private final Variant rowDots = variant(AttentionBackward.class, "rowDots");
    private final Variant keyValueGradients = variant(AttentionBackward.class, "keyValueGradients");
    private final Variant queryGradients = variant(AttentionBackward.class, "queryGradients");
    private final Variant flashForward = variant(FlashAttention.class, "forwardBf16");
    private final Variant flashKeyValues = variant(FlashAttentionBackward.class, "keyValueGradients");
    private final Variant flashKeyValuesWide = variant(FlashAttentionBackward.class, "keyValueGradientsWide");
    private final Variant flashQueries = variant(FlashAttentionBackward.class, "queryGradients");
    private final Variant flashQueriesWide = variant(FlashAttentionBackward.class, "queryGradientsWide");
    private final Variant embedding = variant(Embedding.class, "forward");
    private final Variant embeddingBackward = variant(Embedding.class, "backward");
    private final Variant crossEntropy = variant(CrossEntropy.class, "forwardBackward");
    private final Variant decode = variant(AttentionDecode.class, "decode");
    private final Variant decodePartials = variant(FlashDecoding.class, "partials");
    private final Variant decodeCombine = variant(FlashDecoding.class, "combine");
    private final Variant scatterRows = variant(Elementwise.class, "scatterRows");
    private final Variant gatherRows = variant(Elementwise.class, "gatherRows");
    private final Variant copyColumns = variant(Elementwise.class, "copyColumns");
    private final Variant columnSums = variant(Elementwise.class, "columnSums");
    private final Variant add = variant(Elementwise.class, "add");
    private final Variant scale = variant(Elementwise.class, "scale");
    private final Variant toBf16 = variant(Elementwise.class, "toBf16");
    private final Variant dropout = variant(Elementwise.class, "dropout");

    /**
     * Tensor-core attention for devices that have tensor cores, on by default; {@code -Dloris.tensorCoreAttention=false}
     * (or LORIS_TENSOR_CORE_ATTENTION=0) keeps every device on the CUDA-core kernels, to compare or to work around a
     * fault. The FlashAttention kernels passed their CUDA tests on an H100 (gpu/flash_attention.sh, docs/PERF.md).
     */
    public static final boolean TENSOR_CORE_ATTENTION_ENABLED =
            !"false".equalsIgnoreCase(System.getProperty("loris.tensorCoreAttention", "true"))
                    && !"0".equals(System.getenv("LORIS_TENSOR_CORE_ATTENTION"));

    /** Launchers with tensor-core attention where the device has tensor cores, unless turned off (see above). */
    public KernelLaunchers(Accelerator accelerator) {
        this(accelerator, TENSOR_CORE_ATTENTION_ENABLED && hasTensorCores(accelerator));
    }

    /**
     * Launchers that run bf16 attention on the tensor-core kernels when {@code tensorCoreAttention} is set, on
     * any backend: the JVM runs their tiles exactly, which is how tests check the selection without a GPU.
     */
    public KernelLaunchers(Accelerator accelerator, boolean tensorCoreAttention) {
        this.tensorCoreAttention = tensorCoreAttention;
        this.accelerator = accelerator;
        this.stream = accelerator.defaultStream();
        boolean jvm = accelerator.backend() == Accelerator.Backend.JVM;
        // Tests that ask the JVM for the tensor-core kernels check the devices' selection: decode as they do too.
        this.splitDecoding = !jvm || tensorCoreAttention;
        // On the JVM every barrier of a group of several work-items switches each of them (see the class
        // comment): a row-dot launch took 108 ms in groups of 32 and about 1 ms in groups of one (docs/PERF.md),
        // where GPUs want 256 and 128.
        this.reductionGroup = jvm ? 1 : 256;
        this.attentionGroup = jvm ? 1 : 128;
        this.decodeGroup = jvm ? 1 : AttentionDecode.GROUP;
    }

    public Accelerator accelerator() {
        return accelerator;
    }

    /** Whether bf16 attention of a supported head_dim runs on the tensor-core (FlashAttention) kernels. */
    public boolean tensorCoreAttention() {
        return tensorCoreAttention;
    }

    /** CUDA of compute capability 8.0 or newer: where mma.sync, ldmatrix and cp.async exist. */
    public static boolean hasTensorCores(Accelerator accelerator) {
        return accelerator.backend() == Accelerator.Backend.CUDA
                && dev.loris.tornado.runtime.NativeHandles.cudaDeviceProperties(accelerator).computeCapabilityMajor() >= 8;
    }

    /** The stream every launch goes to, in order. */
    public DeviceStream stream() {
        return stream;
    }

    /**
     * How often each kernel ran, for tests and profiles: "RmsNorm.forwardBf16Packed" -> n for a kernel of one
     * element type, "RmsNorm.forward(bf16)" -> n for a specialisation of a FloatingPointArray kernel.
     */
    public Map<String, Long> launchCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Variant v : variants) {
            v.countInto(counts);
        }
        return counts;
    }

    /** out (rows, cols) = RMSNorm of x with weight (cols); inverseRms (rows) f32. */
    public void rmsNorm(DeviceArray x, DeviceArray weight, DeviceArray out, DeviceArray inverseRms, int rows, int cols,
                        float eps) {
        long global = (long) rows * reductionGroup;
        if (!isBf16(x)) {
            rmsNorm.get(x).set(1, x).set(2, weight).set(3, out).set(4, inverseRms).set(5, cols).set(6, eps)
                    .launch(global, reductionGroup, stream);
        } else if (cols % 4 == 0 && packable(x) && packable(weight) && packable(out)) {
            rmsNormBf16Packed.get().set(1, packed(x)).set(2, packed(weight)).set(3, packed(out)).set(4, inverseRms)
                    .set(5, cols).set(6, eps).launch(global, reductionGroup, stream);
        } else {
            rmsNorm.get(x).set(1, x).set(2, weight).set(3, out).set(4, inverseRms).set(5, cols).set(6, eps)
                    .launch(global, reductionGroup, stream);
        }
    }

    /**
     * dX (rows, cols) from dOut; when dWeight (cols, f32) is not null, its gradient is added to it through
     * per-block partial sums in {@code partials} (f32 scratch of {@link #rmsNormPartialBlocks}(rows) * cols).
     */
    public void rmsNormBackward(DeviceArray x, DeviceArray weight, DeviceArray dOut, DeviceArray inverseRms,
                                DeviceArray dX, DeviceArray dWeight, DeviceArray partials, int rows, int cols) {
        rmsNormBackward(x, weight, dOut, inverseRms, dX, dWeight, 0, partials, rows, cols);
    }

    /** As above, the weight gradient at {@code dWeightOffset} of dWeight (a flat buffer of many parameters). */
    public void rmsNormBackward(DeviceArray x, DeviceArray weight, DeviceArray dOut, DeviceArray inverseRms,
                                DeviceArray dX, DeviceArray dWeight, long dWeightOffset, DeviceArray partials, int rows,
                                int cols) {
        rmsNormBackward.get(x).set(1, x).set(2, weight).set(3, dOut)
                .set(4, inverseRms).set(5, dX).set(6, cols).launch((long) rows * reductionGroup, reductionGroup, stream);
        if (dWeight != null) {
            normWeightGradient(rmsNormPartials, x, dOut, inverseRms, dWeight, dWeightOffset, partials, rows, cols);
        }
    }

    /** dWeight[offset ..] += the column sums of dOut * h, per block by {@code partialsKernel}, then summed. */
    private void normWeightGradient(Variant partialsKernel, DeviceArray x, DeviceArray dOut, DeviceArray inverseRms,
                                    DeviceArray dWeight, long dWeightOffset, DeviceArray partials, int rows, int cols) {
        int blocks = rmsNormPartialBlocks(rows);
        int rowsPerBlock = (rows + blocks - 1) / blocks;
        partialsKernel.get(x).set(1, x).set(2, dOut).set(3, inverseRms)
                .set(4, partials).set(5, rows).set(6, cols).set(7, rowsPerBlock)
                .launch(roundUp(cols, 64), blocks, 64, 1, stream);
        rmsNormSumPartials.get().set(1, partials).set(2, dWeight).set(3, dWeightOffset).set(4, blocks)
                .set(5, cols).set(6, 1)
                .launch(roundUp(cols, 64), 64, stream);
    }

    /** Gemma's RMSNorm: out (rows, cols) = x * inv * (1 + weight) in f32, rounded once; inverseRms (rows) f32. */
    public void gemmaRmsNorm(DeviceArray x, DeviceArray weight, DeviceArray out, DeviceArray inverseRms, int rows,
                             int cols, float eps) {
        gemmaRmsNorm.get(x).set(1, x).set(2, weight).set(3, out).set(4, inverseRms).set(5, cols).set(6, eps)
                .launch((long) rows * reductionGroup, reductionGroup, stream);
    }

    /**
     * Gemma's RMSNorm backward: dX from dOut; when dWeight (cols, f32) is not null the weight's gradient is added
     * at {@code dWeightOffset}, through {@code partials} as {@link #rmsNormBackward}'s.
     */
    public void gemmaRmsNormBackward(DeviceArray x, DeviceArray weight, DeviceArray dOut, DeviceArray inverseRms,
                                     DeviceArray dX, DeviceArray dWeight, long dWeightOffset, DeviceArray partials,
                                     int rows, int cols) {
        gemmaRmsNormBackward.get(x).set(1, x).set(2, weight).set(3, dOut).set(4, inverseRms).set(5, dX).set(6, cols)
                .launch((long) rows * reductionGroup, reductionGroup, stream);
        if (dWeight != null) {
            normWeightGradient(gemmaRmsNormPartials, x, dOut, inverseRms, dWeight, dWeightOffset, partials, rows, cols);
        }
    }

    /** out = gelu_tanh(gate) * up over n elements (Gemma's GeGLU). */
    public void geGlu(DeviceArray gate, DeviceArray up, DeviceArray out, long n) {
        geGlu.get(gate).set(1, gate).set(2, up).set(3, out).set(4, n).launch(strideGrid(n), 256, stream);
    }

    /** dGate, dUp (n) from dOut (n) and GeGLU's inputs. */
    public void geGluBackward(DeviceArray gate, DeviceArray up, DeviceArray dOut, DeviceArray dGate, DeviceArray dUp,
                              long n) {
        geGluBackward.get(gate).set(1, gate).set(2, up).set(3, dOut).set(4, dGate).set(5, dUp).set(6, n)
                .launch(strideGrid(n), 256, stream);
    }

    /** How many row blocks the RMSNorm weight gradient sums separately. */
    public static int rmsNormPartialBlocks(int rows) {
        return Math.max(1, Math.min(64, rows / 16));
    }

    /** out = silu(gate) * up over n elements. */
    public void swiGlu(DeviceArray gate, DeviceArray up, DeviceArray out, long n) {
        if (!isBf16(gate)) {
            swiGlu.get(gate).set(1, gate).set(2, up).set(3, out).set(4, n).launch(strideGrid(n), 256, stream);
        } else if (n % 4 == 0 && packable(gate) && packable(up) && packable(out)) {
            swiGluBf16Packed.get().set(1, packed(gate)).set(2, packed(up)).set(3, packed(out)).set(4, n / 4)
                    .launch(strideGrid(n / 4), 256, stream);
        } else {
            swiGlu.get(gate).set(1, gate).set(2, up).set(3, out).set(4, n).launch(strideGrid(n), 256, stream);
        }
    }

    /** dGate, dUp (n) from dOut (n) and the forward's inputs. */
    public void swiGluBackward(DeviceArray gate, DeviceArray up, DeviceArray dOut, DeviceArray dGate, DeviceArray dUp,
                               long n) {
        if (!isBf16(gate)) {
            swiGluBackward.get(gate).set(1, gate).set(2, up).set(3, dOut).set(4, dGate).set(5, dUp).set(6, n)
                    .launch(strideGrid(n), 256, stream);
        } else if (n % 4 == 0 && packable(gate) && packable(up) && packable(dOut) && packable(dGate) && packable(dUp)) {
            swiGluBackwardBf16Packed.get().set(1, packed(gate)).set(2, packed(up)).set(3, packed(dOut))
                    .set(4, packed(dGate)).set(5, packed(dUp)).set(6, n / 4).launch(strideGrid(n / 4), 256, stream);
        } else {
            swiGluBackward.get(gate).set(1, gate).set(2, up).set(3, dOut).set(4, dGate).set(5, dUp).set(6, n)
                    .launch(strideGrid(n), 256, stream);
        }
    }

    /**
     * RoPE in place on q (tokens, heads*headDim) and k (tokens, kvHeads*headDim) at positions (tokens, int),
     * with the cos/sin tables (maxPosition, headDim/2) f32; {@code backward} rotates gradients back.
     */
    public void rope(boolean backward, DeviceArray q, DeviceArray k, DeviceArray positions, DeviceArray cos,
                     DeviceArray sin, int tokens, int heads, int kvHeads, int headDim) {
        rope(backward, q, k, positions, cos, sin, tokens, heads, kvHeads, headDim, headDim);
    }

    /** As above, rotating only the first {@code rotaryDim} values of each head (tables (maxPosition, rotaryDim/2)). */
    public void rope(boolean backward, DeviceArray q, DeviceArray k, DeviceArray positions, DeviceArray cos,
                     DeviceArray sin, int tokens, int heads, int kvHeads, int headDim, int rotaryDim) {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > headDim) {
            throw new IllegalArgumentException("rotary dimension " + rotaryDim + " for heads of " + headDim);
        }
        long items = (long) tokens * rotaryDim / 2; // (token, pair) work-items, each over every head
        (backward ? ropeBackward : ropeForward).get(q).set(1, q).set(2, k).set(3, positions).set(4, cos).set(5, sin)
                .set(6, tokens).set(7, heads).set(8, kvHeads).set(9, headDim).set(10, rotaryDim)
                .launch(strideGrid(items), 256, stream);
    }

    /** Causal GQA attention within packed sequences: out (tokens, heads*headDim), logSumExp (tokens, heads) f32. */
    public void attention(AttentionShape shape, DeviceArray q, DeviceArray k, DeviceArray v, DeviceArray sequenceStarts,
                          DeviceArray out, DeviceArray logSumExp) {
        attention(shape, AttentionOptions.defaults(shape.headDim()), q, k, v, sequenceStarts, out, logSumExp);
    }

    /** As above with a scale, window and soft-cap of their own (Gemma); a soft-cap runs the CUDA-core kernel. */
    public void attention(AttentionShape shape, AttentionOptions options, DeviceArray q, DeviceArray k, DeviceArray v,
                          DeviceArray sequenceStarts, DeviceArray out, DeviceArray logSumExp) {
        if (tensorCoreAttention(options, q) && FlashAttention.supports(shape.headDim())) {
            flashForward.get(FlashAttention.PARAM_HEAD_DIM, shape.headDim(), FlashAttention.PARAM_SOFT_CAP,
                            options.softCap()).set(1, q).set(2, k).set(3, v)
                    .set(4, sequenceStarts).set(5, out).set(6, logSumExp).set(7, shape.tokens()).set(8, shape.heads())
                    .set(9, shape.kvHeads()).set(10, shape.headDim()).set(11, options.scale())
                    .set(12, options.window()).set(13, options.softCap())
                    .launch((long) FlashAttention.groups(shape) * FlashAttention.GROUP, FlashAttention.GROUP, stream);
            return;
        }
        int g = attentionGroup;
        attention.get(q).set(1, q).set(2, k).set(3, v).set(4, sequenceStarts)
                .set(5, out).set(6, logSumExp).set(7, shape.tokens()).set(8, shape.heads()).set(9, shape.kvHeads())
                .set(10, shape.headDim()).set(11, options.scale()).set(12, options.window()).set(13, options.softCap())
                .launch((long) shape.forwardGroups() * g, g, stream);
    }

    /** dQ, dK, dV from dOut; delta (tokens, heads) f32 scratch. */
    public void attentionBackward(AttentionShape shape, DeviceArray q, DeviceArray k, DeviceArray v, DeviceArray out,
                                  DeviceArray dOut, DeviceArray logSumExp, DeviceArray delta,
                                  DeviceArray sequenceStarts, DeviceArray dQ, DeviceArray dK, DeviceArray dV) {
        attentionBackward(shape, AttentionOptions.defaults(shape.headDim()), q, k, v, out, dOut, logSumExp, delta,
                sequenceStarts, dQ, dK, dV);
    }

    /** As above with the forward's {@link AttentionOptions}. */
    public void attentionBackward(AttentionShape shape, AttentionOptions options, DeviceArray q, DeviceArray k,
                                  DeviceArray v, DeviceArray out, DeviceArray dOut, DeviceArray logSumExp,
                                  DeviceArray delta, DeviceArray sequenceStarts, DeviceArray dQ, DeviceArray dK,
                                  DeviceArray dV) {
        int g = attentionGroup;
        rowDots.get(q).set(1, out).set(2, dOut).set(3, delta).set(4, shape.rows())
                .set(5, shape.headDim()).launch((long) shape.rowDotGroups(g) * g, g, stream);
        if (tensorCoreAttention(options, q) && FlashAttentionBackward.supports(shape.headDim())) {
            flashAttentionBackward(shape, options, q, k, v, dOut, logSumExp, delta, sequenceStarts, dQ, dK, dV);
            return;
        }
        keyValueGradients.get(q).set(1, q).set(2, k).set(3, v).set(4, dOut)
                .set(5, logSumExp).set(6, delta).set(7, sequenceStarts).set(8, dK).set(9, dV).set(10, shape.tokens())
                .set(11, shape.heads()).set(12, shape.kvHeads()).set(13, shape.headDim())
                .set(14, options.scale()).set(15, options.window()).set(16, options.softCap())
                .launch((long) shape.keyValueGroups() * g, g, stream);
        queryGradients.get(q).set(1, q).set(2, k).set(3, v).set(4, dOut)
                .set(5, logSumExp).set(6, delta).set(7, sequenceStarts).set(8, dQ).set(9, shape.tokens())
                .set(10, shape.heads()).set(11, shape.kvHeads()).set(12, shape.headDim())
                .set(13, options.scale()).set(14, options.window()).set(15, options.softCap())
                .launch((long) shape.queryGroups() * g, g, stream);
    }

    /**
     * Whether an attention call of these options on q's element type takes the tensor-core kernels: bf16, sm_80+,
     * windows included. Soft-capped scores (Gemma 2) stay on the CUDA-core kernels although FlashAttention computes
     * them (its kernel tests hold): on the gemma2 reference model the decoder's bf16 q/k gradients came out 1.7 times
     * further from transformers' f32 ones with the tensor-core forward than with the CUDA-core one (14% against 8%
     * of the largest; FlashAttentionDecoderTest), an amplification of P's bf16 rounding not yet understood.
     */
    private boolean tensorCoreAttention(AttentionOptions options, DeviceArray q) {
        return tensorCoreAttention && options.softCap() == 0f && isBf16(q);
    }

    /** FlashAttentionBackward's dK/dV and dQ kernels, after the row dots (delta) of {@link #attentionBackward}. */
    private void flashAttentionBackward(AttentionShape shape, AttentionOptions options, DeviceArray q, DeviceArray k,
                                        DeviceArray v, DeviceArray dOut, DeviceArray logSumExp, DeviceArray delta,
                                        DeviceArray sequenceStarts, DeviceArray dQ, DeviceArray dK, DeviceArray dV) {
        int headDim = shape.headDim();
        boolean wide = FlashAttentionBackward.wide(headDim);
        int g = FlashAttentionBackward.GROUP;
        (wide ? flashKeyValuesWide : flashKeyValues).get(FlashAttentionBackward.PARAM_HEAD_DIM_KEY_VALUE, headDim,
                        FlashAttentionBackward.PARAM_SOFT_CAP_KEY_VALUE, options.softCap())
                .set(1, q).set(2, k).set(3, v).set(4, dOut).set(5, logSumExp).set(6, delta).set(7, sequenceStarts)
                .set(8, dK).set(9, dV).set(10, shape.tokens()).set(11, shape.heads()).set(12, shape.kvHeads())
                .set(13, headDim).set(14, options.scale()).set(15, options.window()).set(16, options.softCap())
                .launch((long) FlashAttentionBackward.keyValueGroups(shape) * g, g, stream);
        (wide ? flashQueriesWide : flashQueries).get(FlashAttentionBackward.PARAM_HEAD_DIM_QUERY, headDim,
                        FlashAttentionBackward.PARAM_SOFT_CAP_QUERY, options.softCap())
                .set(1, q).set(2, k).set(3, v).set(4, dOut).set(5, logSumExp).set(6, delta).set(7, sequenceStarts)
                .set(8, dQ).set(9, shape.tokens()).set(10, shape.heads()).set(11, shape.kvHeads())
                .set(12, headDim).set(13, options.scale()).set(14, options.window()).set(15, options.softCap())
                .launch((long) FlashAttentionBackward.queryGroups(shape) * g, g, stream);
    }

    /** out (tokens, hidden) = the rows of weight (vocab, hidden) at ids (tokens, int). */
    public void embedding(DeviceArray ids, DeviceArray weight, DeviceArray out, int tokens, int hidden) {
        embedding.get(weight).set(1, ids).set(2, weight).set(3, out).set(4, tokens)
                .set(5, hidden).launch(roundUp(hidden, 64), Math.min(tokens, MAX_GRID_Y), 64, 1, stream);
    }

    /**
     * dWeight (vocab, hidden) f32, from {@code dWeightOffset} of its array, += the rows of dOut (tokens, hidden)
     * per id, by host-sorted id segments.
     */
    public void embeddingBackward(DeviceArray dOut, DeviceArray ids, DeviceArray order, DeviceArray starts,
                                  DeviceArray dWeight, long dWeightOffset, int segments, int hidden) {
        embeddingBackward.get(dOut).set(1, dOut).set(2, ids).set(3, order)
                .set(4, starts).set(5, dWeight).set(6, dWeightOffset).set(7, segments).set(8, hidden)
                .launch(roundUp(hidden, 64), Math.min(segments, MAX_GRID_Y), 64, 1, stream);
    }

    /**
     * Losses of tokens firstRow .. firstRow + rows (into losses (tokens) f32 at those indexes); the logits of those
     * rows (rows, vocab) become scale * (softmax - onehot). labels (tokens) int are the whole batch's.
     */
    public void crossEntropy(DeviceArray logits, DeviceArray labels, DeviceArray losses, int firstRow, int rows,
                             int vocab, float scale) {
        crossEntropy(logits, labels, losses, firstRow, rows, vocab, scale, 0f);
    }

    /** As above on the soft-capped logits softCap * tanh(x / softCap) (Gemma 2's final cap; 0 for none). */
    public void crossEntropy(DeviceArray logits, DeviceArray labels, DeviceArray losses, int firstRow, int rows,
                             int vocab, float scale, float softCap) {
        crossEntropy.get(logits).set(1, logits).set(2, labels).set(3, losses).set(4, firstRow).set(5, vocab)
                .set(6, scale).set(7, softCap).launch((long) rows * reductionGroup, reductionGroup, stream);
    }

    /** out (seqs, heads*headDim): each sequence's one query against its cache (seqs, capacity, kvHeads*headDim). */
    public void attentionDecode(DeviceArray q, DeviceArray kCache, DeviceArray vCache, DeviceArray lengths,
                                DeviceArray out, int seqs, int heads, int kvHeads, int headDim, int capacity) {
        attentionDecode(q, kCache, vCache, lengths, out, seqs, heads, kvHeads, headDim, capacity,
                AttentionOptions.defaults(headDim));
    }

    /** As above with the {@link AttentionOptions} of the layer (its scale, window and soft-cap). */
    public void attentionDecode(DeviceArray q, DeviceArray kCache, DeviceArray vCache, DeviceArray lengths,
                                DeviceArray out, int seqs, int heads, int kvHeads, int headDim, int capacity,
                                AttentionOptions options) {
        int g = decodeGroup;
        decode.get(q).set(1, q).set(2, kCache).set(3, vCache).set(4, lengths).set(5, out)
                .set(6, heads).set(7, kvHeads).set(8, headDim).set(9, capacity)
                .set(10, options.scale()).set(11, options.window()).set(12, options.softCap())
                .launch((long) seqs * heads * g, g, stream);
    }

    /** f32 values of the scratch {@link #attentionDecode(DeviceArray, DeviceArray, DeviceArray, DeviceArray,
     * DeviceArray, DeviceArray, int, int, int, int, int)} takes. */
    public static long decodePartialsLength(int seqs, int heads, int headDim, int capacity) {
        return FlashDecoding.partialsLength(seqs, heads, headDim, capacity);
    }

    /**
     * As {@link #attentionDecode(DeviceArray, DeviceArray, DeviceArray, DeviceArray, DeviceArray, int, int, int,
     * int, int)}, split over the cache (FlashDecoding: many work-groups per sequence, each key and value read once
     * per kv head) with {@code partials} as scratch ({@link #decodePartialsLength} f32); the one-work-group
     * kernel where FlashDecoding does not take the head arrangement, and on the JVM (see the class comment).
     */
    public void attentionDecode(DeviceArray q, DeviceArray kCache, DeviceArray vCache, DeviceArray lengths,
                                DeviceArray out, DeviceArray partials, int seqs, int heads, int kvHeads, int headDim,
                                int capacity) {
        attentionDecode(q, kCache, vCache, lengths, out, partials, seqs, heads, kvHeads, headDim, capacity,
                AttentionOptions.defaults(headDim));
    }

    /** As above with the layer's {@link AttentionOptions}; a window or soft-cap runs the one-work-group kernel. */
    public void attentionDecode(DeviceArray q, DeviceArray kCache, DeviceArray vCache, DeviceArray lengths,
                                DeviceArray out, DeviceArray partials, int seqs, int heads, int kvHeads, int headDim,
                                int capacity, AttentionOptions options) {
        if (!splitDecoding || options.masksOrCaps() || !FlashDecoding.supports(heads, kvHeads, headDim)) {
            attentionDecode(q, kCache, vCache, lengths, out, seqs, heads, kvHeads, headDim, capacity, options);
            return;
        }
        int g = FlashDecoding.GROUP;
        decodePartials.get(q).set(1, q).set(2, kCache).set(3, vCache).set(4, lengths).set(5, partials)
                .set(6, heads).set(7, kvHeads).set(8, headDim).set(9, capacity)
                .set(10, options.scale())
                .launch((long) seqs * kvHeads * FlashDecoding.splits(capacity) * g, g, stream);
        decodeCombine.get(q).set(1, partials).set(2, lengths).set(3, out).set(4, heads).set(5, headDim)
                .set(6, capacity).launch((long) seqs * heads * g, g, stream);
    }

    /** dst row rowIndex[r] = src row r, for rows (rows, width). */
    public void scatterRows(DeviceArray src, DeviceArray dst, DeviceArray rowIndex, int rows, int width) {
        scatterRows.get(src).set(1, src).set(2, dst).set(3, rowIndex).set(4, width)
                .launch((long) rows * 64, 64, stream);
    }

    /** dst row r = src row rowIndex[r], for rows (rows, width) of dst. */
    public void gatherRows(DeviceArray src, DeviceArray dst, DeviceArray rowIndex, int rows, int width) {
        gatherRows.get(src).set(1, src).set(2, dst).set(3, rowIndex).set(4, width)
                .launch((long) rows * 64, 64, stream);
    }

    /**
     * Columns [srcOffset, srcOffset + width) of src (rows, srcCols) into columns [dstOffset, dstOffset + width) of
     * dst (rows, dstCols), same element type.
     */
    public void copyColumns(DeviceArray src, int srcCols, int srcOffset, DeviceArray dst, int dstCols, int dstOffset,
                            int width, int rows) {
        if (srcOffset < 0 || dstOffset < 0 || width < 0 || srcOffset + width > srcCols || dstOffset + width > dstCols) {
            throw new IllegalArgumentException("columns " + srcOffset + "+" + width + " of " + srcCols + " into "
                    + dstOffset + " of " + dstCols);
        }
        copyColumns.get(src).set(1, src).set(2, dst).set(3, srcCols).set(4, srcOffset).set(5, dstCols)
                .set(6, dstOffset).set(7, width).launch((long) rows * 64, 64, stream);
    }

    /**
     * sums (cols) f32, from {@code offset} of its array, = the column sums of x (rows, cols), added to what sums
     * holds when {@code accumulate}.
     */
    public void columnSums(DeviceArray x, DeviceArray sums, long offset, int rows, int cols, boolean accumulate) {
        columnSums.get(x).set(1, x).set(2, sums).set(3, offset).set(4, rows).set(5, cols)
                .set(6, accumulate ? 1 : 0).launch(roundUp(cols, 64), 64, stream);
    }

    /** out = a + b over n elements (out may be a or b). */
    public void add(DeviceArray a, DeviceArray b, DeviceArray out, long n) {
        add.get(a).set(1, a).set(2, b).set(3, out).set(4, n).launch(strideGrid(n), 256, stream);
    }

    /** x *= factor over n elements, in place. */
    public void scale(DeviceArray x, float factor, long n) {
        scale.get(x).set(1, x).set(2, factor).set(3, n).launch(strideGrid(n), 256, stream);
    }

    /** out (n) bf16 = the f32 values of x (n) rounded to nearest even. */
    public void toBf16(DeviceArray x, DeviceArray out, long n) {
        requireType(x, FloatArray.class, "toBf16's input");
        toBf16.get().set(1, x).set(2, out).set(3, n).launch(strideGrid(n), 256, stream);
    }

    /**
     * out (n) = x with each element zeroed with probability p and the rest scaled by 1 / (1 - p), by a
     * counter-based hash of (seed, index): the same seed gives the same mask, so backward recomputes it
     * instead of storing it (see {@link Elementwise#dropout}).
     */
    public void dropout(DeviceArray x, DeviceArray out, long seed, float p, long n) {
        dropout.get(x).set(1, x).set(2, out).set(3, seed).set(4, p).set(5, n)
                .launch(strideGrid(n), 256, stream);
    }

    private Variant variant(Class<?> owner, String method) {
        Variant v = new Variant(owner, method);
        variants.add(v);
        return v;
    }

    /**
     * One kernel method, compiled on its first launch and kept; launches counted. A method with
     * FloatingPointArray parameters is compiled once per element type, all of them fixed to the type of the
     * array {@link #get(DeviceArray)} is given (f32 or bf16); the others compile once.
     */
    private final class Variant {
        final Class<?> owner;
        final String method;
        private final int[] floatingPointParameters;
        KernelLaunch launch;
        long launches;
        /** The f32 and bf16 specialisations of a FloatingPointArray kernel, compiled on first use. */
        KernelLaunch f32;
        KernelLaunch bf16;
        long f32Launches;
        long bf16Launches;
        /**
         * Compilations of an attention kernel with head_dim and the soft-cap fixed (head_dim sizes its fragment
         * loops; a cap of 0 removes the capping code, which keeps the kernel as small as Llama's needs): few per
         * model, found by a scan that allocates nothing.
         */
        private final List<FixedAttention> fixed = new ArrayList<>();

        Variant(Class<?> owner, String method) {
            this.owner = owner;
            this.method = method;
            Class<?>[] types = Accelerator.findKernel(owner, method).getParameterTypes();
            this.floatingPointParameters = java.util.stream.IntStream.range(0, types.length)
                    .filter(p -> types[p] == FloatingPointArray.class).toArray();
        }

        /** A kernel without FloatingPointArray parameters. */
        KernelLaunch get() {
            if (launch == null) {
                launch = accelerator.compile(owner, method, Map.of()).launcher();
            }
            launches++;
            return launch;
        }

        /** The kernel compiled with its head_dim and soft-cap parameters fixed to these values. */
        KernelLaunch get(int headDimParameter, int headDim, int softCapParameter, float softCap) {
            launches++;
            for (FixedAttention f : fixed) {
                if (f.headDim() == headDim && Float.floatToIntBits(f.softCap()) == Float.floatToIntBits(softCap)) {
                    return f.launch();
                }
            }
            KernelLaunch launch = accelerator.compile(owner, method,
                    Map.of(headDimParameter, headDim, softCapParameter, softCap)).launcher();
            fixed.add(new FixedAttention(headDim, softCap, launch));
            return launch;
        }

        /** The specialisation for {@code typed}'s element type (f32 or bf16; checked). */
        KernelLaunch get(DeviceArray typed) {
            if (isBf16(typed)) {
                if (bf16 == null) {
                    bf16 = compile(BFloat16Array.class);
                }
                bf16Launches++;
                return bf16;
            }
            if (f32 == null) {
                f32 = compile(FloatArray.class);
            }
            f32Launches++;
            return f32;
        }

        private KernelLaunch compile(Class<?> elementType) {
            Map<Integer, Object> types = new java.util.HashMap<>();
            for (int p : floatingPointParameters) {
                types.put(p, elementType);
            }
            return accelerator.compile(owner, method, types).launcher();
        }

        /** Counts by name: "SwiGlu.forwardBf16Packed", or "SwiGlu.forward(bf16)" per specialisation. */
        void countInto(Map<String, Long> counts) {
            String name = owner.getSimpleName() + "." + method;
            if (launches > 0) {
                counts.put(name, launches);
            }
            if (f32Launches > 0) {
                counts.put(name + "(f32)", f32Launches);
            }
            if (bf16Launches > 0) {
                counts.put(name + "(bf16)", bf16Launches);
            }
        }
    }

    private record FixedAttention(int headDim, float softCap, KernelLaunch launch) {
    }

    /** Whether the kernels see bf16 data in x; f32 is the other element type they take. */
    private static boolean isBf16(DeviceArray x) {
        Class<?> type = x.arrayType();
        if (type == BFloat16Array.class) {
            return true;
        }
        if (type != FloatArray.class) {
            throw new LorisException("the kernels take f32 or bf16 arrays, not " + x,
                    "allocate activations and weights as FloatArray or BFloat16Array");
        }
        return false;
    }

    private static void requireType(DeviceArray x, Class<?> type, String what) {
        if (x.arrayType() != type) {
            throw new LorisException(what + " must be a " + type.getSimpleName() + ", not " + x,
                    "pass an array of that type");
        }
    }

    /** Whether a bf16 array can be seen four values per long. */
    private static boolean packable(DeviceArray bf16) {
        return bf16.length() % 4 == 0;
    }

    private static DeviceArray packed(DeviceArray bf16) {
        return bf16.view(LongArray.class);
    }

    private static long strideGrid(long n) {
        return roundUp(Math.min(n, MAX_STRIDE_GRID), 256);
    }

    private static long roundUp(long n, int group) {
        return Math.max(1, (n + group - 1) / group) * group;
    }
}
