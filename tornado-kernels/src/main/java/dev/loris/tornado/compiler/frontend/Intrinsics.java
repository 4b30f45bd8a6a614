package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Special;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import dev.loris.tornado.api.math.PortableMath;

import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The table of what kernels may call: KernelContext (indices, barriers, local arrays, atomics, warp
 * exchange), the Loris off-heap arrays, TornadoMath and the java.lang.Math/Float/Double methods with a direct
 * equivalent. Keys are "owner.name descriptor" exactly as in the bytecode, so overloads are distinct.
 */
final class Intrinsics {
    static final String API = "dev/loris/tornado/api/";
    static final String CONTEXT = API + "KernelContext";
    static final String ARRAYS = API + "types/arrays/";
    static final String TORNADO_MATH = API + "math/TornadoMath";
    static final String PORTABLE_MATH = API + "math/PortableMath";
    static final String PORTABLE_TILES = API + "tiles/PortableTiles";
    private static final Set<String> PORTABLE_METHODS = portableMethods();

    private static final Map<String, Intrinsic> METHODS = new HashMap<>();
    private static final Map<String, Intrinsic> FIELDS = new HashMap<>();

    private Intrinsics() {
    }

    static Intrinsic method(String owner, String name, String descriptor) {
        return METHODS.get(owner + "." + name + descriptor);
    }

    static Intrinsic field(String owner, String name) {
        return FIELDS.get(owner + "." + name);
    }

    private static void method(String owner, String nameAndDescriptor, Intrinsic intrinsic) {
        METHODS.put(owner + "." + nameAndDescriptor, intrinsic);
    }

    static {
        contextFields();
        contextMethods();
        tiles();
        arrays();
        math(TORNADO_MATH);
        math("java/lang/Math");
        math("java/lang/StrictMath");
        tornadoOnlyMath();
        bits();
    }

    private static void contextFields() {
        String[][] names = {
                {"globalId", "GLOBAL_ID"}, {"localId", "LOCAL_ID"}, {"groupId", "GROUP_ID"},
                {"globalGroupSize", "GLOBAL_SIZE"}, {"localGroupSize", "LOCAL_SIZE"}};
        String[] lower = {"x", "y", "z"};
        String[] upper = {"X", "Y", "Z"};
        for (String[] n : names) {
            Special special = Special.valueOf(n[1]);
            for (int d = 0; d < 3; d++) {
                int dimension = d;
                String field = n[0].endsWith("Id") ? n[0] + lower[d] : n[0] + upper[d];
                FIELDS.put(CONTEXT + "." + field, (t, args) -> {
                    Value v = t.emit(Op.SPECIAL, Type.I32);
                    v.special = special;
                    v.dimension = dimension;
                    return v;
                });
            }
        }
    }

    private static void contextMethods() {
        method(CONTEXT, "localBarrier()V", (t, a) -> barrier(t, 0));
        method(CONTEXT, "globalBarrier()V", (t, a) -> barrier(t, 1));
        localArray("allocateFloatLocalArray(I)[F", MemType.F32);
        localArray("allocateIntLocalArray(I)[I", MemType.I32);
        localArray("allocateLongLocalArray(I)[J", MemType.I64);
        localArray("allocateShortLocalArray(I)[S", MemType.I16);
        atomic(ARRAYS + "IntArray", "I", MemType.I32);
        atomic(ARRAYS + "FloatArray", "F", MemType.F32);
        atomic("[I", "I", MemType.I32);
        atomic("[F", "F", MemType.F32);
        for (String t : new String[] {"F", "I"}) {
            method(CONTEXT, "simdShuffleDown(" + t + "I)" + t, (tr, a) -> tr.emit(Op.SHUFFLE_DOWN, a.get(1).type, a.get(1), a.get(2)));
            method(CONTEXT, "simdShuffleXor(" + t + "I)" + t, (tr, a) -> tr.emit(Op.SHUFFLE_XOR, a.get(1).type, a.get(1), a.get(2)));
            method(CONTEXT, "simdSum(" + t + ")" + t, (tr, a) -> warpReduce(tr, Op.ADD, a.get(1)));
            method(CONTEXT, "simdShuffle(" + t + "I)" + t, (tr, a) -> tr.emit(Op.SHUFFLE_IDX, a.get(1).type, a.get(1), a.get(2)));
            method(CONTEXT, "simdBroadcastFirst(" + t + ")" + t,
                    (tr, a) -> tr.emit(Op.SHUFFLE_IDX, a.get(1).type, a.get(1), tr.constant(0)));
        }
        method(CONTEXT, "simdMax(F)F", (tr, a) -> warpReduce(tr, Op.MAX, a.get(1)));
    }

    /**
     * The tensor-core operations: one IR operation each, which PTX lowers to its instruction; targets without
     * one (OpenCL) inline the PortableTiles body of the same name instead.
     */
    private static void tiles() {
        tile("mmaBf16([FI[II[II)V", Op.MMA_BF16, -1);
        tile("mmaF16([FI[II[II)V", Op.MMA_F16, -1);
        tile("loadMatrix([II[SII)V", Op.LDMATRIX, 5);
        tile("loadMatrixTransposed([II[SII)V", Op.LDMATRIX_T, 5);
        for (String array : new String[] {"BFloat16Array", "HalfFloatArray"}) {
            tile("copyAsync([SIL" + ARRAYS + array + ";JI)V", Op.COPY_ASYNC, -1);
        }
        tile("asyncCommit()V", Op.ASYNC_COMMIT, -1);
        tile("asyncWait(I)V", Op.ASYNC_WAIT, 1);
    }

    /**
     * A KernelContext tile method as {@code op} over its arguments (the context dropped); the argument at
     * {@code constantArgument}, if any, must be a compile-time constant and becomes the op's index.
     */
    private static void tile(String nameAndDescriptor, Op op, int constantArgument) {
        String name = nameAndDescriptor.substring(0, nameAndDescriptor.indexOf('('));
        String portable = "(L" + CONTEXT + ";" + nameAndDescriptor.substring(nameAndDescriptor.indexOf('(') + 1);
        method(CONTEXT, nameAndDescriptor, (t, a) -> {
            if (t.expandsInJava(op)) {
                return t.inlineCall(PORTABLE_TILES, name, portable, a);
            }
            List<Value> operands = new java.util.ArrayList<>(a.subList(1, a.size()));
            int index = 0;
            if (constantArgument > 0) {
                Value constant = operands.remove(constantArgument - 1);
                if (!constant.isConst()) {
                    throw t.error(name + "(): its " + (op == Op.ASYNC_WAIT ? "group count" : "matrix count")
                            + " must be a compile-time constant");
                }
                index = (int) constant.longValue();
            }
            checkTileOperands(t, op, operands);
            t.emit(op, Type.VOID, operands.toArray(Value[]::new)).index = index;
            return null;
        });
    }

    /** Fragments must be the work-item's own arrays of the right type, tiles local arrays. */
    private static void checkTileOperands(InstructionTranslator t, Op op, List<Value> operands) {
        switch (op) {
            case MMA_BF16, MMA_F16 -> {
                requirePrivate(t, operands.get(0), MemType.F32, "the accumulator");
                requirePrivate(t, operands.get(2), MemType.I32, "the A fragment");
                requirePrivate(t, operands.get(4), MemType.I32, "the B fragment");
            }
            case LDMATRIX, LDMATRIX_T -> {
                requirePrivate(t, operands.get(0), MemType.I32, "the fragment array");
                if (operands.get(2).type != Type.PTR_LOCAL) {
                    throw t.error("loadMatrix() reads a local array (KernelContext.allocateShortLocalArray)");
                }
            }
            case COPY_ASYNC -> {
                if (operands.get(0).type != Type.PTR_LOCAL) {
                    throw t.error("copyAsync() writes a local array (KernelContext.allocateShortLocalArray)");
                }
            }
            default -> { }
        }
    }

    private static void requirePrivate(InstructionTranslator t, Value array, MemType element, String what) {
        if (array.op != Op.PRIVATE_ARRAY || array.mem != element) {
            throw t.error(what + " must be the work-item's own " + (element == MemType.F32 ? "float" : "int")
                    + " array (new " + (element == MemType.F32 ? "float" : "int") + "[n] in the kernel)");
        }
    }

    private static Value barrier(InstructionTranslator t, int kind) {
        t.emit(Op.BARRIER, Type.VOID).index = kind;
        return null;
    }

    private static void localArray(String nameAndDescriptor, MemType element) {
        method(CONTEXT, nameAndDescriptor, (t, a) -> {
            Value size = a.get(1);
            if (!size.isConst()) {
                throw t.error("the size of a local array must be a compile-time constant (a literal, a static "
                        + "final, or a kernel argument marked constant)");
            }
            Value v = t.emit(Op.LOCAL_ARRAY, Type.PTR_LOCAL);
            v.mem = element;
            v.index = (int) size.longValue();
            return v;
        });
    }

    private static void atomic(String arrayDescriptorOrClass, String valueDescriptor, MemType mem) {
        String arrayType = arrayDescriptorOrClass.startsWith("[") ? arrayDescriptorOrClass : "L" + arrayDescriptorOrClass + ";";
        method(CONTEXT, "atomicAdd(" + arrayType + "I" + valueDescriptor + ")" + valueDescriptor, (t, a) -> {
            t.checkWritable(a.get(1));
            Value v = t.emit(Op.ATOMIC_ADD, mem.valueType(), a.get(1), a.get(2), a.get(3));
            v.mem = mem;
            return v;
        });
    }

    /** Butterfly over the 32 lanes: after 5 exchanges every lane holds the warp's total. */
    private static Value warpReduce(InstructionTranslator t, Op combine, Value value) {
        Value acc = value;
        for (int mask = 16; mask >= 1; mask >>= 1) {
            Value other = t.emit(Op.SHUFFLE_XOR, acc.type, acc, t.constant(mask));
            acc = t.emit(combine, acc.type, acc, other);
        }
        return acc;
    }

    private static void arrays() {
        plainArray("FloatArray", "F", MemType.F32);
        floatArrayAsFloatingPoint();
        plainArray("IntArray", "I", MemType.I32);
        plainArray("LongArray", "J", MemType.I64);
        plainArray("ByteArray", "B", MemType.I8);
        plainArray("ShortArray", "S", MemType.I16);
        convertedArray("HalfFloatArray", Op.F16_TO_F32, Op.F32_TO_F16);
        convertedArray("BFloat16Array", Op.BF16_TO_F32, Op.F32_TO_BF16);
        floatingPointArray();
    }

    private static void plainArray(String name, String element, MemType mem) {
        String owner = ARRAYS + name;
        for (String index : new String[] {"I", "J"}) {
            method(owner, "get(" + index + ")" + element, (t, a) -> t.load(a.get(0), a.get(1), mem));
            method(owner, "set(" + index + element + ")V", (t, a) -> {
                t.store(a.get(0), a.get(1), a.get(2), mem);
                return null;
            });
        }
        sizeMethods(owner);
    }

    /** FloatArray's FloatingPointArray methods: plain f32 loads and stores, rounding that does nothing. */
    private static void floatArrayAsFloatingPoint() {
        String owner = ARRAYS + "FloatArray";
        for (String index : new String[] {"I", "J"}) {
            method(owner, "getFloat(" + index + ")F", (t, a) -> t.load(a.get(0), a.get(1), MemType.F32));
            method(owner, "setFloat(" + index + "F)V", (t, a) -> {
                t.store(a.get(0), a.get(1), a.get(2), MemType.F32);
                return null;
            });
        }
        method(owner, "round(F)F", (t, a) -> a.get(1));
    }

    /**
     * FloatingPointArray's methods, on a parameter the caller specialised to one array class (see
     * KernelFrontend): each call is that class's intrinsic, so a specialised kernel is the hand-written one.
     */
    private static void floatingPointArray() {
        String owner = ARRAYS + "FloatingPointArray";
        List<String> methods = List.of("getFloat(I)F", "getFloat(J)F", "setFloat(IF)V", "setFloat(JF)V", "round(F)F",
                "length()J", "getSize()I");
        for (String nameAndDescriptor : methods) {
            method(owner, nameAndDescriptor, (t, a) -> {
                String concrete = t.arrayClassOf(a.get(0));
                return METHODS.get(ARRAYS + concrete + "." + nameAndDescriptor).expand(t, a);
            });
        }
    }

    /** f16 and bf16 arrays: 16-bit storage, float arithmetic. */
    private static void convertedArray(String name, Op toFloat, Op fromFloat) {
        String owner = ARRAYS + name;
        for (String index : new String[] {"I", "J"}) {
            method(owner, "getFloat(" + index + ")F",
                    (t, a) -> t.emit(toFloat, Type.F32, t.load(a.get(0), a.get(1), MemType.I16)));
            method(owner, "setFloat(" + index + "F)V", (t, a) -> {
                t.store(a.get(0), a.get(1), t.emit(fromFloat, Type.I32, a.get(2)), MemType.I16);
                return null;
            });
            method(owner, "round(F)F", (t, a) -> t.emit(toFloat, Type.F32, t.emit(fromFloat, Type.I32, a.get(1))));
            for (String raw : new String[] {"Bits", ""}) { // getBits/setBits and their get/set aliases
                method(owner, "get" + raw + "(" + index + ")S", (t, a) -> t.load(a.get(0), a.get(1), MemType.I16));
                method(owner, "set" + raw + "(" + index + "S)V", (t, a) -> {
                    t.store(a.get(0), a.get(1), a.get(2), MemType.I16);
                    return null;
                });
            }
        }
        sizeMethods(owner);
    }

    private static void sizeMethods(String owner) {
        method(owner, "getSize()I", (t, a) -> {
            Value length = arrayLength(t, a.get(0));
            t.recordIntSized(length);
            return t.emit(Op.CONVERT, Type.I32, length);
        });
        method(owner, "length()J", (t, a) -> arrayLength(t, a.get(0)));
    }

    private static Value arrayLength(InstructionTranslator t, Value array) {
        Value length = t.arrayLengthOf(array);
        if (length == null) {
            // Parameters and the phis merging them carry their lengths (GraphBuilder): this is an array no
            // path defines, which javac's definite assignment keeps from being used.
            throw t.error("the size of an array that is not defined on every path to this getSize()");
        }
        return length;
    }

    private static void math(String owner) {
        unary(owner, "sqrt", Op.SQRT);
        unary(owner, "exp", Op.EXP);
        unary(owner, "log", Op.LOG);
        unary(owner, "sin", Op.SIN);
        unary(owner, "cos", Op.COS);
        unary(owner, "tanh", Op.TANH);
        unary(owner, "floor", Op.FLOOR);
        unary(owner, "ceil", Op.CEIL);
        for (String t : new String[] {"F", "D", "I", "J"}) {
            method(owner, "abs(" + t + ")" + t, (tr, a) -> tr.emit(Op.ABS, a.get(0).type, a.get(0)));
            method(owner, "min(" + t + t + ")" + t, (tr, a) -> tr.emit(Op.MIN, a.get(0).type, a.get(0), a.get(1)));
            method(owner, "max(" + t + t + ")" + t, (tr, a) -> tr.emit(Op.MAX, a.get(0).type, a.get(0), a.get(1)));
        }
        for (String t : new String[] {"F", "D"}) {
            method(owner, "pow(" + t + t + ")" + t, portableOr(Op.POW, "pow", "(" + t + t + ")" + t,
                    (tr, a) -> tr.emit(Op.POW, a.get(0).type, a.get(0), a.get(1))));
            method(owner, "fma(" + t + t + t + ")" + t,
                    (tr, a) -> tr.emit(Op.FMA, a.get(0).type, a.get(0), a.get(1), a.get(2)));
        }
    }

    private static void unary(String owner, String name, Op op) {
        for (String t : new String[] {"F", "D"}) {
            String descriptor = "(" + t + ")" + t;
            method(owner, name + descriptor, portableOr(op, name, descriptor,
                    (tr, a) -> tr.emit(op, a.get(0).type, a.get(0))));
        }
    }

    /**
     * A math call that becomes the inlined {@link PortableMath} method of the same name and descriptor when
     * the target expands {@code op} in Java (see {@link MathExpansion}) and that method exists; otherwise
     * {@code asOp}.
     */
    private static Intrinsic portableOr(Op op, String name, String descriptor, Intrinsic asOp) {
        if (!PORTABLE_METHODS.contains(name + descriptor)) {
            return asOp;
        }
        return (tr, a) -> tr.expandsInJava(op) ? tr.inlineCall(PORTABLE_MATH, name, descriptor, a) : asOp.expand(tr, a);
    }

    /** "name(descriptor)" of every public static PortableMath method. */
    private static Set<String> portableMethods() {
        Set<String> methods = new HashSet<>();
        for (Method m : PortableMath.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers())) {
                methods.add(m.getName() + MethodType.methodType(m.getReturnType(), m.getParameterTypes())
                        .toMethodDescriptorString());
            }
        }
        return methods;
    }

    private static void tornadoOnlyMath() {
        unary(TORNADO_MATH, "rsqrt", Op.RSQRT);
        method(TORNADO_MATH, "exp2Approx(F)F", (tr, a) -> tr.emit(Op.EXP2_APPROX, Type.F32, a.get(0)));
        for (String t : new String[] {"F", "D", "I"}) {
            method(TORNADO_MATH, "clamp(" + t + t + t + ")" + t, (tr, a) -> {
                Value low = tr.emit(Op.MAX, a.get(0).type, a.get(0), a.get(1));
                return tr.emit(Op.MIN, a.get(0).type, low, a.get(2));
            });
        }
        method(TORNADO_MATH, "halfToFloat(S)F", (t, a) -> t.emit(Op.F16_TO_F32, Type.F32, a.get(0)));
        method(TORNADO_MATH, "floatToHalf(F)S", (t, a) -> t.emit(Op.F32_TO_F16, Type.I32, a.get(0)));
        method(TORNADO_MATH, "bfloat16ToFloat(S)F", (t, a) -> t.emit(Op.BF16_TO_F32, Type.F32, a.get(0)));
        method(TORNADO_MATH, "floatToBfloat16(F)S", (t, a) -> t.emit(Op.F32_TO_BF16, Type.I32, a.get(0)));
        method(TORNADO_MATH, "packBfloat16(FF)I",
                (t, a) -> t.emit(Op.PACK_BF16X2, Type.I32, a.get(0), a.get(1)));
        method(TORNADO_MATH, "floatToIntBits(F)I", (t, a) -> t.emit(Op.BITCAST, Type.I32, a.get(0)));
        method(TORNADO_MATH, "intBitsToFloat(I)F", (t, a) -> t.emit(Op.BITCAST, Type.F32, a.get(0)));
    }

    private static void bits() {
        method("java/lang/Float", "floatToRawIntBits(F)I", (t, a) -> t.emit(Op.BITCAST, Type.I32, a.get(0)));
        method("java/lang/Float", "intBitsToFloat(I)F", (t, a) -> t.emit(Op.BITCAST, Type.F32, a.get(0)));
        method("java/lang/Double", "doubleToRawLongBits(D)J", (t, a) -> t.emit(Op.BITCAST, Type.I64, a.get(0)));
        method("java/lang/Double", "longBitsToDouble(J)D", (t, a) -> t.emit(Op.BITCAST, Type.F64, a.get(0)));
        method("java/lang/Float", "float16ToFloat(S)F", (t, a) -> t.emit(Op.F16_TO_F32, Type.F32, a.get(0)));
        method("java/lang/Float", "floatToFloat16(F)S", (t, a) -> t.emit(Op.F32_TO_F16, Type.I32, a.get(0)));
        method("java/lang/Float", "isNaN(F)Z", (t, a) -> isNaN(t, a.get(0)));
        method("java/lang/Double", "isNaN(D)Z", (t, a) -> isNaN(t, a.get(0)));
    }

    private static Value isNaN(InstructionTranslator t, Value x) {
        return t.predicateToInt(t.compare(dev.loris.tornado.compiler.ir.Cond.NE, x, x, true));
    }

    /** The array classes a FloatingPointArray parameter may be specialised to. */
    static List<String> floatingPointArrayClasses() {
        return List.of("FloatArray", "BFloat16Array", "HalfFloatArray");
    }

    static List<String> supportedArrayClasses() {
        return List.of("FloatArray", "IntArray", "LongArray", "ByteArray", "ShortArray", "HalfFloatArray", "BFloat16Array");
    }
}
