package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.api.LaunchBounds;
import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Set;

/**
 * Entry to the front end: a kernel method in, its SSA graph out (not yet optimised).
 *
 * <p>The kernel's parameters become the graph's: KernelContext is implicit (no device argument), each Loris
 * array becomes a global pointer followed by a hidden 64-bit element count (for getSize()), and primitives
 * stay scalars. Parameters listed in {@code constants} are replaced by their values, which specialises the
 * kernel (local array sizes, loop bounds, unrolling).
 */
public final class KernelFrontend {
    private static final String FLOATING_POINT_ARRAY = Intrinsics.ARRAYS.replace('/', '.') + "FloatingPointArray";

    private KernelFrontend() {
    }

    public static Graph build(Method kernel, Map<Integer, Object> constants) {
        return build(kernel, constants, Set.of());
    }

    /**
     * As {@link #build(Method, Map)}, with the math operations in {@code expandInJava} (calls such as
     * TornadoMath.log or Math.sin) compiled by inlining their {@code PortableMath} body, for targets without an
     * accurate instruction; {@link MathExpansion} gives the set per backend.
     */
    public static Graph build(Method kernel, Map<Integer, Object> constants, Set<Op> expandInJava) {
        String where = kernel.getDeclaringClass().getName() + "." + kernel.getName();
        if (!Modifier.isStatic(kernel.getModifiers()) || kernel.getReturnType() != void.class) {
            throw new KernelCompileException(where, "a kernel must be a static method returning void");
        }
        String descriptor = MethodType.methodType(void.class, kernel.getParameterTypes()).toMethodDescriptorString();
        BytecodeMethod method = BytecodeMethod.load(kernel.getDeclaringClass(), kernel.getName(), descriptor);
        Graph graph = new Graph(kernel.getName());
        graph.kernel = kernel.getDeclaringClass().getName() + "." + kernel.getName();
        LaunchBounds bounds = kernel.getAnnotation(LaunchBounds.class);
        if (bounds != null) {
            graph.maxGroupSize = bounds.maxGroupSize();
            graph.minGroupsPerProcessor = bounds.minGroupsPerProcessor();
        }
        InlineContext inline = new InlineContext(kernel.getDeclaringClass().getClassLoader(), expandInJava);
        Block start = graph.newBlock();
        Frame frame = new Frame(method.maxLocals);
        int slot = 0;
        Class<?>[] types = kernel.getParameterTypes();
        for (int p = 0; p < types.length; p++) {
            String name = method.variableNames.getOrDefault(slot, "arg" + p);
            Value value = parameter(graph, start, inline, types[p], name, constants.get(p), where);
            frame.locals[slot] = value;
            slot += types[p] == long.class || types[p] == double.class ? 2 : 1;
        }
        inline.enter(where + descriptor);
        new GraphBuilder(graph, method, inline, null).build(start, frame);
        return graph;
    }

    private static Value parameter(Graph graph, Block start, InlineContext inline, Class<?> type, String name,
                                   Object constant, String where) {
        if (type.getName().equals(Intrinsics.CONTEXT.replace('/', '.'))) {
            graph.params.add(new Graph.Param(name, Type.VOID, null, true));
            return graph.append(start, Op.PARAM, Type.VOID);
        }
        Class<?> arrayClass = type;
        if (type.getName().equals(FLOATING_POINT_ARRAY)) {
            arrayClass = specialisation(name, constant, where);
        }
        MemType element = arrayElement(arrayClass);
        if (element != null) {
            Value pointer = param(graph, start, new Graph.Param(name, Type.PTR_GLOBAL, element, false));
            Value length = param(graph, start, new Graph.Param(name + "_length", Type.I64, null, false));
            inline.arrayLengths.put(pointer, length);
            if (Intrinsics.floatingPointArrayClasses().contains(arrayClass.getSimpleName())) {
                inline.arrayClasses.put(pointer, arrayClass.getSimpleName()); // for FloatingPointArray calls
            }
            return pointer;
        }
        Type scalar = scalarType(type);
        if (scalar == null) {
            throw new KernelCompileException(where, "parameter " + name + " has type " + type.getSimpleName()
                    + "; kernels take KernelContext, Loris arrays (FloatArray, ...) and primitives");
        }
        Value value = param(graph, start, new Graph.Param(name, scalar, null, false));
        if (constant == null) {
            return value;
        }
        Value folded = graph.append(start, Op.CONST, scalar);
        folded.constant = switch (constant) {
            case Boolean b -> b ? 1 : 0;
            case Byte b -> (int) b;
            case Short s -> (int) s;
            case Character c -> (int) c;
            default -> constant;
        };
        return folded;
    }

    /** The array class a FloatingPointArray parameter is compiled for: the caller gives it as its constant. */
    private static Class<?> specialisation(String name, Object constant, String where) {
        if (constant instanceof Class<?> c && c.getName().startsWith(Intrinsics.ARRAYS.replace('/', '.'))
                && Intrinsics.floatingPointArrayClasses().contains(c.getSimpleName())) {
            return c;
        }
        throw new KernelCompileException(where, "parameter " + name + " is a FloatingPointArray, compiled once per "
                + "element type: fix its array class (FloatArray.class, BFloat16Array.class or HalfFloatArray.class) "
                + "as that parameter's constant" + (constant == null ? "" : ", not " + constant));
    }

    private static Value param(Graph graph, Block start, Graph.Param param) {
        Value v = graph.append(start, Op.PARAM, param.type());
        v.index = graph.params.size();
        graph.params.add(param);
        return v;
    }

    private static MemType arrayElement(Class<?> type) {
        if (!type.getName().startsWith(Intrinsics.ARRAYS.replace('/', '.'))) {
            return null;
        }
        return switch (type.getSimpleName()) {
            case "FloatArray" -> MemType.F32;
            case "IntArray" -> MemType.I32;
            case "LongArray" -> MemType.I64;
            case "ByteArray" -> MemType.I8;
            case "ShortArray", "HalfFloatArray", "BFloat16Array" -> MemType.I16;
            default -> null;
        };
    }

    private static Type scalarType(Class<?> type) {
        if (type == int.class || type == short.class || type == byte.class || type == char.class
                || type == boolean.class) {
            return Type.I32;
        }
        if (type == long.class) {
            return Type.I64;
        }
        if (type == float.class) {
            return Type.F32;
        }
        if (type == double.class) {
            return Type.F64;
        }
        return null;
    }
}
