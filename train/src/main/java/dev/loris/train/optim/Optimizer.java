package dev.loris.train.optim;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsException;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.KernelLaunch;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An optimizer over one range of a flat f32 parameter buffer and the same range of its gradient buffer (a
 * parameter group: the whole buffer, or one of several groups in it), with its state on the device, updated by
 * {@link OptimizerKernels} in one launch per step: AdamW (m, v in f32: 8 bytes a parameter), 8-bit AdamW (m, v
 * as blockwise-quantised bytes plus an f32 absmax per 256: about 2 bytes a parameter), SGD (the momentum buffer,
 * if any). {@link #gradientNorm()} gives the range's L2 norm for clipping; {@link #step} applies the clipping
 * factor.
 *
 * <p>The state (every buffer and the step count) can be written to a safetensors file and read back
 * ({@link #save}, {@link #load}, or {@link #writeState}/{@link #readState} for several optimizers in one
 * file), bit for bit, so a resumed run continues exactly where the interrupted one stood.
 */
public final class Optimizer implements AutoCloseable {
    /** Which update rule, with its hyper-parameters (PyTorch's defaults: AdamW betas 0.9, 0.999, eps 1e-8). */
    public sealed interface Kind permits AdamW, AdamW8bit, Sgd {
        double weightDecay();

        /** The same rule without weight decay (for norms and biases). */
        Kind withoutWeightDecay();

        /** The name on the command line and in state files: adamw, adamw8bit, sgd. */
        String name();
    }

    public record AdamW(double beta1, double beta2, double eps, double weightDecay) implements Kind {
        public AdamW {
            checkAdam(beta1, beta2, eps, weightDecay);
        }

        public static AdamW defaults() {
            return new AdamW(0.9, 0.999, 1e-8, 0.01);
        }

        @Override
        public Kind withoutWeightDecay() {
            return new AdamW(beta1, beta2, eps, 0);
        }

        @Override
        public String name() {
            return "adamw";
        }
    }

    /** AdamW with bitsandbytes-style blockwise 8-bit states ({@link OptimizerKernels#adamW8bit}). */
    public record AdamW8bit(double beta1, double beta2, double eps, double weightDecay) implements Kind {
        public AdamW8bit {
            checkAdam(beta1, beta2, eps, weightDecay);
        }

        @Override
        public Kind withoutWeightDecay() {
            return new AdamW8bit(beta1, beta2, eps, 0);
        }

        @Override
        public String name() {
            return "adamw8bit";
        }
    }

    public record Sgd(double momentum, double weightDecay) implements Kind {
        @Override
        public Kind withoutWeightDecay() {
            return new Sgd(momentum, 0);
        }

        @Override
        public String name() {
            return "sgd";
        }
    }

    /**
     * The optimizer named on the command line (adamw, adamw8bit, sgd) with the weight decay given and
     * PyTorch's defaults otherwise (SGD: momentum 0.9).
     */
    public static Kind named(String name, double weightDecay) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "adamw" -> new AdamW(0.9, 0.999, 1e-8, weightDecay);
            case "adamw8bit", "adamw_8bit" -> new AdamW8bit(0.9, 0.999, 1e-8, weightDecay);
            case "sgd" -> new Sgd(0.9, weightDecay);
            default -> throw new InvalidSettingException("--optim " + name + " is not known", "use adamw, adamw8bit or sgd");
        };
    }

    private static void checkAdam(double beta1, double beta2, double eps, double weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
            throw new LorisException("AdamW settings beta1 " + beta1 + ", beta2 " + beta2 + ", eps " + eps
                    + ", weight decay " + weightDecay + " are out of range", "use betas in [0, 1), eps > 0 and a"
                    + " weight decay of 0 or more (defaults 0.9, 0.999, 1e-8, 0.01)");
        }
    }

    private static final long GRID = 1 << 20;

    private final Accelerator acc;
    private final DeviceArray params;     // (total) f32, this optimizer's range [offset, offset + n)
    private final DeviceArray grads;      // (total) f32, same layout
    private final long offset;
    private final long n;
    private final Kind kind;
    private final Map<String, DeviceArray> state = new LinkedHashMap<>(); // by name in state files
    private final DeviceArray maps;       // (2 * 256) f32: 8-bit AdamW's signed then unsigned map, else null
    private final DeviceArray partials;   // (groups) f32 sums of squares
    private final KernelLaunch update;
    private final KernelLaunch squares;
    /** sumOfSquares' work-group size: GROUP on devices, 1 on the JVM (a lone work-item never switches at barriers). */
    private final int squaresGroup;
    private long steps;

    /** An optimizer over all of {@code params} and {@code grads}. */
    public Optimizer(Accelerator acc, DeviceArray params, DeviceArray grads, Kind kind) {
        this(acc, params, grads, 0, params.length(), kind);
    }

    /** An optimizer over elements [offset, offset + n) of {@code params} and {@code grads}. */
    public Optimizer(Accelerator acc, DeviceArray params, DeviceArray grads, long offset, long n, Kind kind) {
        if (params.length() != grads.length() || params.arrayType() != FloatArray.class
                || grads.arrayType() != FloatArray.class || offset < 0 || n < 1 || offset + n > params.length()) {
            throw new IllegalArgumentException("parameters " + params + " and gradients " + grads + " must be f32 of"
                    + " one length, holding [" + offset + ", " + (offset + n) + ")");
        }
        this.acc = acc;
        this.params = params;
        this.grads = grads;
        this.offset = offset;
        this.n = n;
        this.kind = kind;
        try {
            switch (kind) {
                case AdamW a -> {
                    state.put("exp_avg", zeroed(FloatArray.class, n));
                    state.put("exp_avg_sq", zeroed(FloatArray.class, n));
                }
                case AdamW8bit a -> {
                    long blocks = (n + OptimizerKernels.BLOCK - 1) / OptimizerKernels.BLOCK;
                    state.put("exp_avg.codes", zeroed(ByteArray.class, n));
                    state.put("exp_avg_sq.codes", zeroed(ByteArray.class, n));
                    state.put("exp_avg.absmax", zeroed(FloatArray.class, blocks));
                    state.put("exp_avg_sq.absmax", zeroed(FloatArray.class, blocks));
                }
                case Sgd s -> {
                    if (s.momentum() > 0) {
                        state.put("momentum_buffer", zeroed(FloatArray.class, n));
                    }
                }
            }
            this.partials = acc.allocate(FloatArray.class, groups(n));
            this.maps = kind instanceof AdamW8bit ? acc.upload(FloatArray.fromArray(bothMaps())) : null;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        String method = switch (kind) {
            case AdamW a -> "adamW";
            case AdamW8bit a -> "adamW8bit";
            case Sgd s -> "sgd";
        };
        this.update = acc.compile(OptimizerKernels.class, method, Map.of()).launcher();
        this.squares = acc.compile(OptimizerKernels.class, "sumOfSquares", Map.of()).launcher();
        this.squaresGroup = acc.backend() == Accelerator.Backend.JVM ? 1 : OptimizerKernels.GROUP;
    }

    /** The L2 norm of this range's gradients (synchronises: the host adds the partial sums in double). */
    public double gradientNorm() {
        int groups = groups(n);
        squares.set(1, grads).set(2, offset).set(3, partials).set(4, n)
                .launch((long) groups * squaresGroup, squaresGroup, acc.defaultStream());
        FloatArray host = new FloatArray(groups);
        partials.copyTo(host);
        double sum = 0;
        for (int g = 0; g < groups; g++) {
            sum += host.get(g);
        }
        return Math.sqrt(sum);
    }

    /** One update at learning rate {@code lr}, the gradients multiplied by {@code gradScale} (clipping) first. */
    public void step(double lr, double gradScale) {
        steps++;
        long global = Math.min(GRID, (n + OptimizerKernels.GROUP - 1) / OptimizerKernels.GROUP * OptimizerKernels.GROUP);
        switch (kind) {
            case AdamW a -> update.set(1, params).set(2, grads).set(3, offset).set(4, state.get("exp_avg"))
                    .set(5, state.get("exp_avg_sq")).set(6, (float) lr).set(7, (float) a.beta1())
                    .set(8, (float) a.beta2()).set(9, (float) a.eps()).set(10, (float) a.weightDecay())
                    .set(11, (float) gradScale).set(12, (float) (1 - Math.pow(a.beta1(), steps)))
                    .set(13, (float) Math.sqrt(1 - Math.pow(a.beta2(), steps))).set(14, n);
            case AdamW8bit a -> update.set(1, params).set(2, grads).set(3, offset)
                    .set(4, state.get("exp_avg.codes")).set(5, state.get("exp_avg_sq.codes"))
                    .set(6, state.get("exp_avg.absmax")).set(7, state.get("exp_avg_sq.absmax"))
                    .set(8, maps).set(9, (float) lr).set(10, (float) a.beta1()).set(11, (float) a.beta2())
                    .set(12, (float) a.eps()).set(13, (float) a.weightDecay()).set(14, (float) gradScale)
                    .set(15, (float) (1 - Math.pow(a.beta1(), steps)))
                    .set(16, (float) Math.sqrt(1 - Math.pow(a.beta2(), steps))).set(17, n);
            case Sgd s -> update.set(1, params).set(2, grads).set(3, offset)
                    .set(4, state.getOrDefault("momentum_buffer", grads)).set(5, (float) lr)
                    .set(6, (float) s.momentum()).set(7, (float) s.weightDecay()).set(8, (float) gradScale)
                    .set(9, steps == 1 ? 1 : 0).set(10, n);
        }
        update.launch(Math.max(global, OptimizerKernels.GROUP), OptimizerKernels.GROUP, acc.defaultStream());
    }

    public Kind kind() {
        return kind;
    }

    /** Steps taken (AdamW's t). */
    public long steps() {
        return steps;
    }

    /** Writes the state (every buffer, the step count) to {@code file}, atomically. */
    public void save(Path file) {
        SafetensorsWriter writer = new SafetensorsWriter();
        writeState(writer, "");
        writer.write(file);
    }

    /** Reads the state {@link #save} wrote; the optimizer must be of the same kind over as many parameters. */
    public void load(Path file) {
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            readState(in, "");
        }
    }

    /** Adds this optimizer's state to {@code writer}: tensors and metadata named {@code prefix + ...}. */
    public void writeState(SafetensorsWriter writer, String prefix) {
        writer.metadata(prefix + "optimizer", kind.name());
        writer.metadata(prefix + "steps", Long.toString(steps));
        writer.metadata(prefix + "parameters", Long.toString(n));
        for (Map.Entry<String, DeviceArray> e : state.entrySet()) {
            DeviceArray array = e.getValue();
            boolean bytes = array.arrayType() == ByteArray.class;
            TornadoNativeArray host = bytes ? new ByteArray(array.length()) : new FloatArray(array.length());
            array.copyTo(host);
            writer.add(prefix + e.getKey(), bytes ? Dtype.U8 : Dtype.F32, new long[] {array.length()},
                    host.getSegment());
        }
    }

    /** Reads what {@link #writeState} wrote under {@code prefix}. */
    public void readState(SafetensorsFile in, String prefix) {
        Map<String, String> meta = in.metadata();
        String hint = "resume with the optimizer (--optim) and the trained parameters the checkpoint was made with";
        if (!kind.name().equals(meta.get(prefix + "optimizer"))
                || !Long.toString(n).equals(meta.get(prefix + "parameters"))) {
            throw new LorisException("the optimizer state " + prefix + " in " + in.path() + " is for "
                    + meta.get(prefix + "optimizer") + " over " + meta.get(prefix + "parameters") + " parameters, not "
                    + kind.name() + " over " + n, hint);
        }
        for (Map.Entry<String, DeviceArray> e : state.entrySet()) {
            DeviceArray array = e.getValue();
            TensorInfo info = in.find(prefix + e.getKey()).orElseThrow(() -> new LorisException(in.path() + " has no "
                    + prefix + e.getKey() + ": the optimizer state is incomplete", hint));
            if (info.byteLength() != array.byteSize()) {
                throw new SafetensorsException(in.path(), info.name(), "has " + info.byteLength() + " bytes, the"
                        + " optimizer needs " + array.byteSize(), hint, null);
            }
            boolean bytes = array.arrayType() == ByteArray.class;
            TornadoNativeArray host = bytes ? new ByteArray(array.length()) : new FloatArray(array.length());
            MemorySegment.copy(in.data(info), 0, host.getSegment(), 0, info.byteLength());
            array.copyFrom(host);
        }
        steps = Long.parseLong(meta.get(prefix + "steps"));
    }

    private static float[] bothMaps() {
        float[] both = new float[2 * DynamicMap.SIZE];
        System.arraycopy(DynamicMap.signed(), 0, both, 0, DynamicMap.SIZE);
        System.arraycopy(DynamicMap.unsigned(), 0, both, DynamicMap.SIZE, DynamicMap.SIZE);
        return both;
    }

    private static int groups(long n) {
        return (int) Math.max(1, Math.min(1024, (n + OptimizerKernels.GROUP - 1) / OptimizerKernels.GROUP));
    }

    private DeviceArray zeroed(Class<? extends TornadoNativeArray> type, long length) {
        DeviceArray array = acc.allocate(type, length);
        array.fillBytes((byte) 0);
        return array;
    }

    @Override
    public void close() {
        state.values().forEach(DeviceArray::close);
        for (DeviceArray a : new DeviceArray[] {partials, maps}) {
            if (a != null) {
                a.close();
            }
        }
    }
}
