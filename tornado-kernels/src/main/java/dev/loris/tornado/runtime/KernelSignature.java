package dev.loris.tornado.runtime;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Type;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * How a kernel's Java parameters become device arguments, read from the compiled graph's parameter list
 * (the ABI {@link dev.loris.tornado.compiler.KernelCompiler} states): the KernelContext takes no slot, a Loris
 * array takes two (its pointer, then its element count as a 64-bit integer), a scalar one (byte, short, char
 * and boolean travel as int). Parameters fixed as compile-time constants keep their slot and their value.
 * A kernel with division checks has two more slots after them, which no Java parameter owns: the
 * accelerator's fault word and the kernel's fault code base (see {@link FaultWord}).
 */
public final class KernelSignature {
    /** What a Java parameter is, as far as a launch is concerned. */
    public enum Kind {
        CONTEXT, ARRAY, INT, LONG, FLOAT, DOUBLE
    }

    public final String kernelName;
    public final Kind[] kinds;
    public final Class<?>[] javaTypes;
    final String[] names;
    /** The parameter's first device slot; -1 for the context. */
    final int[] slots;
    final int slotCount;
    /** The value a parameter was fixed to at compile time, or null. */
    final Object[] constants;
    /** Whether the kernel calls getSize() on the array parameter (which limits it to 2^31-1 elements). */
    final boolean[] intSized;
    /** The fault word's slot (the code base's is the next), or -1 for a kernel without division checks. */
    public final int faultSlot;
    /** What the kernel adds its division site number to when it records a fault. */
    final int faultCodeBase;

    private KernelSignature(String kernelName, Class<?>[] javaTypes, String[] names, Kind[] kinds, int[] slots,
                            int slotCount, Object[] constants, boolean[] intSized, int faultSlot, int faultCodeBase) {
        this.kernelName = kernelName;
        this.javaTypes = javaTypes;
        this.names = names;
        this.kinds = kinds;
        this.slots = slots;
        this.slotCount = slotCount;
        this.constants = constants;
        this.intSized = intSized;
        this.faultSlot = faultSlot;
        this.faultCodeBase = faultCodeBase;
    }

    /** "Kernels.axpy", as errors name a kernel. */
    static String displayName(Method kernel) {
        return kernel.getDeclaringClass().getSimpleName() + "." + kernel.getName();
    }

    /** {@code faultCodeBase}: from {@link FaultWord#register}, for a graph with division checks. */
    static KernelSignature of(Method kernel, Graph graph, Map<Integer, Object> constantValues, int faultCodeBase) {
        String kernelName = displayName(kernel);
        Class<?>[] types = kernel.getParameterTypes();
        int n = types.length;
        String[] names = new String[n];
        Kind[] kinds = new Kind[n];
        int[] slots = new int[n];
        Object[] constants = new Object[n];
        boolean[] intSized = new boolean[n];
        int graphParam = 0;
        int slot = 0;
        Class<?>[] javaTypes = types.clone();
        for (int p = 0; p < n; p++) {
            Graph.Param param = graph.params.get(graphParam);
            names[p] = param.name();
            kinds[p] = kindOf(types[p]);
            constants[p] = constantValues.get(p);
            if (kinds[p] == Kind.ARRAY && constants[p] instanceof Class<?> specialised) {
                javaTypes[p] = specialised; // a FloatingPointArray compiled for this array class
                constants[p] = null;
            }
            boolean agrees;
            if (kinds[p] == Kind.CONTEXT) {
                agrees = param.isContext();
                slots[p] = -1;
                graphParam++;
            } else if (kinds[p] == Kind.ARRAY) {
                agrees = param.type() == Type.PTR_GLOBAL && graph.params.get(graphParam + 1).type() == Type.I64;
                intSized[p] = graph.intSizedLengths.contains(graphParam + 1);
                slots[p] = slot;
                graphParam += 2;
                slot += 2;
            } else {
                agrees = param.type() == scalarType(kinds[p]);
                slots[p] = slot++;
                graphParam++;
            }
            if (!agrees) { // the compiler and this class disagree about the ABI: a Loris bug, not a user error
                throw new IllegalStateException("kernel " + kernelName + " parameter " + p + " ("
                        + types[p].getSimpleName() + ") does not match the compiled parameter " + param);
            }
        }
        int faultSlot = -1;
        if (!graph.faultSites.isEmpty()) {
            requireFaultParameters(kernelName, graph, graphParam);
            faultSlot = slot;
            slot += 2;
            graphParam += 2;
        }
        if (graphParam != graph.params.size()) {
            throw new IllegalStateException("kernel " + kernelName + ": the compiled graph has " + graph.params.size()
                    + " parameters, the Java method accounts for " + graphParam);
        }
        return new KernelSignature(kernelName, javaTypes, names, kinds, slots, slot, constants, intSized, faultSlot,
                faultCodeBase);
    }

    private static void requireFaultParameters(String kernelName, Graph graph, int first) {
        boolean agrees = graph.params.size() == first + 2 && graph.params.get(first).type() == Type.PTR_GLOBAL
                && graph.params.get(first + 1).type() == Type.I32;
        if (!agrees) {
            throw new IllegalStateException("kernel " + kernelName + " has division checks but its graph does not end "
                    + "with the fault word and code base: " + graph.params);
        }
    }

    static Kind kindOf(Class<?> type) {
        if (type == KernelContext.class) {
            return Kind.CONTEXT;
        }
        if (ArrayTypes.isArrayType(type)) {
            return Kind.ARRAY;
        }
        if (type == int.class || type == short.class || type == byte.class || type == char.class
                || type == boolean.class) {
            return Kind.INT;
        }
        if (type == long.class) {
            return Kind.LONG;
        }
        if (type == float.class) {
            return Kind.FLOAT;
        }
        if (type == double.class) {
            return Kind.DOUBLE;
        }
        throw new IllegalArgumentException("kernel parameter of type " + type.getName());
    }

    private static Type scalarType(Kind kind) {
        return switch (kind) {
            case INT -> Type.I32;
            case LONG -> Type.I64;
            case FLOAT -> Type.F32;
            case DOUBLE -> Type.F64;
            default -> throw new IllegalArgumentException(kind.toString());
        };
    }

    public int parameterCount() {
        return kinds.length;
    }

    /** "parameter 2 (x, FloatArray) of kernel Kernels.axpy", as errors name a parameter. */
    String describe(int p) {
        return "parameter " + p + " (" + names[p] + ", " + javaTypes[p].getSimpleName() + ") of kernel " + kernelName;
    }
}
