package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.NativeArrayException;
import dev.loris.tornado.runtime.KernelSignature.Kind;

import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The arguments of one compiled kernel, set by Java parameter index, and its launches. Arguments stay set
 * between launches, so a training step sets what changed and launches; on CUDA and OpenCL a steady-state
 * launch allocates nothing on the Java heap (the argument values live in native memory the launcher owns).
 *
 * <p>Array parameters take a {@link DeviceArray} of the parameter's exact type (its element count travels
 * with it); scalar parameters take int, long, float, double or boolean of the parameter's type (an int is
 * accepted for a long, a float for a double; byte, short and char parameters take an int in their range).
 * The KernelContext parameter takes nothing. A parameter the kernel was compiled with a constant for is set
 * to that constant already and refuses other values. A wrong argument is a LorisException naming the kernel
 * and the parameter.
 *
 * <p>Grids follow OpenCL (and TornadoVM): global sizes count work-items, each a multiple of the local size
 * of its dimension; a global size of 0 launches nothing. Launches are asynchronous on CUDA and OpenCL.
 *
 * <p>A kernel with division checks also takes the accelerator's fault word; the launcher passes it itself,
 * so parameter indexes stay the Java ones. A division by zero surfaces as a
 * {@link dev.loris.tornado.api.DivisionByZeroException}: from the launch on the JVM, at the next
 * synchronisation point on devices.
 */
public abstract class KernelLaunch implements AutoCloseable {
    protected final CompiledKernel kernel;
    protected final KernelSignature signature;
    private final DeviceArray[] arrays;
    private final boolean[] bound;
    /** The accelerator's fault word for a kernel with division checks, else null. */
    private final FaultWord faultWord;
    private boolean faultWordBound;
    /** {@link #profileName()}, made on the first profiled launch. */
    private String profileName;

    protected KernelLaunch(CompiledKernel kernel) {
        this.kernel = kernel;
        this.signature = kernel.signature();
        this.arrays = new DeviceArray[signature.parameterCount()];
        this.bound = new boolean[signature.parameterCount()];
        this.faultWord = signature.faultSlot >= 0 ? kernel.accelerator().faultWord() : null;
    }

    public final CompiledKernel kernel() {
        return kernel;
    }

    public final KernelLaunch set(int parameter, DeviceArray array) {
        // Messages are built only on failure: this runs in launch loops that must not allocate.
        if (!isKind(parameter, Kind.ARRAY) || array.arrayType() != signature.javaTypes[parameter]) {
            expect(parameter, Kind.ARRAY, "a device array");
            throw mismatch(parameter, "a " + array.arrayType().getSimpleName() + " device array");
        }
        if (array.accelerator() != kernel.accelerator()) {
            throw new LorisException(signature.describe(parameter) + " on " + kernel.accelerator().spec()
                    + " got an array of " + array.accelerator().spec(), "allocate it on the kernel's accelerator");
        }
        if (array.isClosed()) {
            throw new LorisException(signature.describe(parameter) + " cannot take " + array + ", which is closed",
                    "set the parameter to a live array");
        }
        if (signature.intSized[parameter] && array.length() > Integer.MAX_VALUE) {
            // Java's getSize() throws for such an array; a device would truncate its length to a negative int.
            throw new NativeArrayException(signature.describe(parameter) + " cannot take " + array + " of "
                    + array.length() + " elements: the kernel calls its getSize(), which is limited to "
                    + Integer.MAX_VALUE + " elements", "call length() (a long) in the kernel instead");
        }
        arrays[parameter] = array;
        bindArray(parameter, signature.slots[parameter], array);
        bound[parameter] = true;
        return this;
    }

    public final KernelLaunch set(int parameter, int value) {
        if (parameter >= 0 && parameter < bound.length && signature.kinds[parameter] == Kind.LONG) {
            return set(parameter, (long) value);
        }
        expect(parameter, Kind.INT, "an int");
        Class<?> type = signature.javaTypes[parameter];
        if (type == boolean.class || !fits(type, value)) {
            throw mismatch(parameter, type == boolean.class ? "an int" : "the int " + value + ", out of its range");
        }
        checkConstant(parameter, value);
        bindInt(parameter, signature.slots[parameter], value);
        bound[parameter] = true;
        return this;
    }

    public final KernelLaunch set(int parameter, boolean value) {
        expect(parameter, Kind.INT, "a boolean");
        if (signature.javaTypes[parameter] != boolean.class) {
            throw mismatch(parameter, "a boolean");
        }
        checkConstant(parameter, value ? 1 : 0);
        bindInt(parameter, signature.slots[parameter], value ? 1 : 0);
        bound[parameter] = true;
        return this;
    }

    public final KernelLaunch set(int parameter, long value) {
        expect(parameter, Kind.LONG, "a long");
        checkConstant(parameter, value);
        bindLong(parameter, signature.slots[parameter], value);
        bound[parameter] = true;
        return this;
    }

    public final KernelLaunch set(int parameter, float value) {
        if (parameter >= 0 && parameter < bound.length && signature.kinds[parameter] == Kind.DOUBLE) {
            return set(parameter, (double) value);
        }
        expect(parameter, Kind.FLOAT, "a float");
        checkConstant(parameter, Float.floatToRawIntBits(value));
        bindFloat(parameter, signature.slots[parameter], value);
        bound[parameter] = true;
        return this;
    }

    public final KernelLaunch set(int parameter, double value) {
        expect(parameter, Kind.DOUBLE, "a double");
        checkConstant(parameter, Double.doubleToRawLongBits(value));
        bindDouble(parameter, signature.slots[parameter], value);
        bound[parameter] = true;
        return this;
    }

    /**
     * Sets every parameter from {@code arguments} in Java parameter order: DeviceArrays, boxed scalars, and
     * anything (a KernelContext, null) for the KernelContext. Boxes, so not for the allocation-free path.
     */
    public final KernelLaunch setArguments(Object... arguments) {
        if (arguments.length != bound.length) {
            throw new LorisException("kernel " + signature.kernelName + " takes " + bound.length + " arguments, got "
                    + arguments.length, "pass one argument per Java parameter, the KernelContext included");
        }
        for (int p = 0; p < arguments.length; p++) {
            setArgument(p, arguments[p]);
        }
        return this;
    }

    private void setArgument(int p, Object argument) {
        Class<?> type = signature.javaTypes[p];
        switch (argument) {
            case null -> {
                if (signature.kinds[p] != Kind.CONTEXT) {
                    throw mismatch(p, "null");
                }
            }
            case KernelContext ignored -> expect(p, Kind.CONTEXT, "a KernelContext");
            case DeviceArray array -> set(p, array);
            case Integer i -> set(p, (int) i);
            case Long l -> set(p, (long) l);
            case Float f -> set(p, (float) f);
            case Double d -> set(p, (double) d);
            case Boolean b -> set(p, (boolean) b);
            case Short s when type == short.class -> set(p, (int) s);
            case Byte b when type == byte.class -> set(p, (int) b);
            case Character c when type == char.class -> set(p, (int) c);
            default -> throw mismatch(p, "a " + argument.getClass().getSimpleName());
        }
    }

    /** Launches over a 1D grid of {@code globalX} work-items in groups of {@code localX}. */
    public final void launch(long globalX, int localX, DeviceStream stream) {
        launch(1, globalX, 1, 1, localX, 1, 1, stream);
    }

    public final void launch(long globalX, long globalY, int localX, int localY, DeviceStream stream) {
        launch(2, globalX, globalY, 1, localX, localY, 1, stream);
    }

    public final void launch(long globalX, long globalY, long globalZ, int localX, int localY, int localZ,
                             DeviceStream stream) {
        launch(3, globalX, globalY, globalZ, localX, localY, localZ, stream);
    }

    /** Launches over {@code global.length} (1 to 3) dimensions; {@code local} has the same length. */
    public final void launch(long[] global, long[] local, DeviceStream stream) {
        int dims = global.length;
        if (dims < 1 || dims > 3 || local.length != dims) {
            throw gridError(global.length + "-dimensional global and " + local.length + "-dimensional local sizes",
                    "pass 1 to 3 global sizes and as many local sizes");
        }
        launch(dims, global[0], dims > 1 ? global[1] : 1, dims > 2 ? global[2] : 1, checkedLocal(local[0]),
                dims > 1 ? checkedLocal(local[1]) : 1, dims > 2 ? checkedLocal(local[2]) : 1, stream);
    }

    private int checkedLocal(long local) {
        if (local < 1 || local > Integer.MAX_VALUE) {
            throw gridError("a local size of " + local, "local sizes are between 1 and the device's work-group limit");
        }
        return (int) local;
    }

    private void launch(int dims, long gx, long gy, long gz, int lx, int ly, int lz, DeviceStream stream) {
        kernel.accelerator().requireOpen();
        if (stream.accelerator() != kernel.accelerator()) {
            throw new IllegalArgumentException("launching " + kernel + " on a stream of " + stream.accelerator());
        }
        requireArguments();
        checkDimension('x', gx, lx);
        checkDimension('y', gy, ly);
        checkDimension('z', gz, lz);
        if (gx == 0 || gy == 0 || gz == 0) {
            return;
        }
        if (faultWord != null) {
            faultWord.launched();
        }
        LaunchProfiler profiler = LaunchProfiler.ENABLED ? kernel.accelerator().profiler() : null;
        if (profiler == null) {
            enqueue(dims, gx, gy, gz, lx, ly, lz, stream);
            return;
        }
        profiler.begin(stream);
        try {
            enqueue(dims, gx, gy, gz, lx, ly, lz, stream);
        } finally {
            profiler.end(stream, profileName(), 0, argumentBytes());
        }
    }

    /**
     * The kernel's name with what it was compiled for, for profiles: "RmsNorm.forward(bf16)" for a
     * FloatingPointArray kernel specialised to bf16 (as KernelLaunchers' launch counts name it),
     * "FlashAttention.forwardBf16[12=128]" for a parameter fixed to a value.
     */
    private String profileName() {
        if (profileName == null) {
            Set<String> types = new TreeSet<>();
            StringJoiner values = new StringJoiner(",", "[", "]").setEmptyValue("");
            new TreeMap<>(kernel.constants()).forEach((p, v) -> {
                if (v instanceof Class<?> c) {
                    types.add(c.getSimpleName().replace("BFloat16Array", "bf16").replace("HalfFloatArray", "f16")
                            .replace("FloatArray", "f32"));
                } else {
                    values.add(p + "=" + v);
                }
            });
            profileName = signature.kernelName + (types.isEmpty() ? "" : "(" + String.join("/", types) + ")") + values;
        }
        return profileName;
    }

    /** Bytes of the array arguments, each counted once in full: a profile's memory floor for the launch. */
    private double argumentBytes() {
        double bytes = 0;
        for (DeviceArray array : arrays) {
            if (array != null) {
                bytes += array.byteSize();
            }
        }
        return bytes;
    }

    private void requireArguments() {
        if (faultWord != null && !faultWordBound) {
            bindFaultWord(signature.faultSlot, signature.faultCodeBase);
            faultWordBound = true;
        }
        for (int p = 0; p < bound.length; p++) {
            Kind kind = signature.kinds[p];
            if (kind == Kind.CONTEXT) {
                continue;
            }
            if (!bound[p]) {
                if (signature.constants[p] == null) {
                    throw new LorisException(signature.describe(p) + " is not set",
                            "set every argument before the first launch");
                }
                setArgument(p, signature.constants[p]);
            }
            if (kind == Kind.ARRAY && arrays[p].isClosed()) {
                throw new LorisException(signature.describe(p) + " is set to " + arrays[p] + ", which is closed",
                        "set the parameter to a live array");
            }
        }
    }

    private void checkDimension(char axis, long global, int local) {
        if (global < 0 || local < 1) {
            throw gridError("global size " + global + " and local size " + local + " in " + axis,
                    "global sizes are at least 0, local sizes at least 1");
        }
        if (global > Integer.MAX_VALUE) {
            // KernelContext's ids and sizes are ints: beyond this, devices would give negative globalIdx.
            throw gridError("global size " + global + " in " + axis + " exceeds " + Integer.MAX_VALUE
                    + ", the largest int work-item id", "split the work over another dimension or a loop in the kernel");
        }
        if (global % local != 0) {
            throw gridError("global size " + global + " in " + axis + " is not a multiple of local size " + local,
                    "round the global size up to " + (global / local + 1) * local
                            + " and skip the extra work-items in the kernel");
        }
    }

    private LorisException gridError(String problem, String hint) {
        return new LorisException("cannot launch kernel " + signature.kernelName + ": " + problem, hint);
    }

    private boolean isKind(int parameter, Kind kind) {
        return parameter >= 0 && parameter < bound.length && signature.kinds[parameter] == kind;
    }

    private void expect(int parameter, Kind kind, String given) {
        if (parameter < 0 || parameter >= bound.length) {
            throw new LorisException("kernel " + signature.kernelName + " has no parameter " + parameter + " (it has "
                    + bound.length + ")", "parameters are numbered from 0 in Java order, the KernelContext included");
        }
        if (signature.kinds[parameter] != kind) {
            throw mismatch(parameter, given);
        }
    }

    private LorisException mismatch(int parameter, String given) {
        return new LorisException(signature.describe(parameter) + " cannot take " + given,
                "pass a value of the parameter's Java type (a DeviceArray of the same type for arrays)");
    }

    /** {@code bits}: the value as {@link #constantBits} encodes it; no boxing, this runs in launch loops. */
    private void checkConstant(int parameter, long bits) {
        Object fixed = signature.constants[parameter];
        if (fixed != null && constantBits(fixed) != bits) {
            Object value = switch (signature.kinds[parameter]) {
                case FLOAT -> Float.intBitsToFloat((int) bits);
                case DOUBLE -> Double.longBitsToDouble(bits);
                default -> signature.javaTypes[parameter] == boolean.class ? (Object) (bits != 0) : (Object) bits;
            };
            throw new LorisException(signature.describe(parameter) + " was fixed to " + fixed
                    + " when the kernel was compiled, so it cannot take " + value,
                    "compile the kernel again with the new constant, or without fixing the parameter");
        }
    }

    private static long constantBits(Object constant) {
        return switch (constant) {
            case Float f -> Float.floatToRawIntBits(f);
            case Double d -> Double.doubleToRawLongBits(d);
            case Boolean b -> b ? 1 : 0;
            case Character c -> c;
            case Number n -> n.longValue();
            default -> throw new IllegalStateException("constant " + constant);
        };
    }

    private static boolean fits(Class<?> type, int value) {
        if (type == byte.class) {
            return value == (byte) value;
        }
        if (type == short.class) {
            return value == (short) value;
        }
        return type != char.class || value == (char) value;
    }

    /** The argument slots of parameter {@code parameter} start at device slot {@code slot}. */
    protected abstract void bindArray(int parameter, int slot, DeviceArray array);

    protected abstract void bindInt(int parameter, int slot, int value);

    protected abstract void bindLong(int parameter, int slot, long value);

    protected abstract void bindFloat(int parameter, int slot, float value);

    protected abstract void bindDouble(int parameter, int slot, double value);

    /** Binds the accelerator's fault word to {@code slot} and the kernel's fault code base to the next. */
    protected abstract void bindFaultWord(int slot, int codeBase);

    /** The accelerator's fault word, for {@link #bindFaultWord}; null for a kernel without division checks. */
    protected final FaultWord faultWord() {
        return faultWord;
    }

    /** Queues the launch; arguments are all bound, the grid is checked and not empty. */
    protected abstract void enqueue(int dims, long gx, long gy, long gz, int lx, int ly, int lz,
                                    DeviceStream stream);

    /** Releases what the launcher holds natively; the accelerator's close releases it otherwise. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "launcher of " + kernel;
    }
}
