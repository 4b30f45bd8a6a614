package dev.loris.tornado.compiler;

import dev.loris.tornado.compiler.frontend.KernelFrontend;
import dev.loris.tornado.compiler.frontend.MathExpansion;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.opt.AddressLowering;
import dev.loris.tornado.compiler.opt.AddressStrengthReduction;
import dev.loris.tornado.compiler.opt.ConstantFolding;
import dev.loris.tornado.compiler.opt.DivisionChecks;
import dev.loris.tornado.compiler.opt.IfConversion;
import dev.loris.tornado.compiler.opt.LoopInvariantMotion;
import dev.loris.tornado.compiler.opt.LoopUnrolling;
import dev.loris.tornado.compiler.opt.SsaCleanup;
import dev.loris.tornado.compiler.opt.ValueNumbering;
import dev.loris.tornado.compiler.ptx.PtxEmitter;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;

/**
 * The whole compiler in three calls: a kernel method (with the scalar arguments the caller fixes as
 * constants) to an optimised SSA graph, to PTX text, or to OpenCL C. Runtimes call this and cache the result;
 * the pipeline order is written once here so every backend sees the same optimised kernel.
 *
 * <p>Kernel ABI shared by both emitters (the graph's {@link Graph#params}): the KernelContext parameter is
 * implicit and takes no argument; every Loris array becomes a global pointer followed by its element count as
 * a 64-bit integer; primitives pass as themselves (byte, short, char and boolean widened to int); a parameter
 * fixed as a constant still keeps its slot in the signature, so launch code never depends on specialisation.
 * Graphs that went through {@link #checkDivisions} may end with two hidden parameters, the fault word and the
 * fault code base (see {@link DivisionChecks}); the runtime passes them, users never see them.
 *
 * <p>Static final fields are read when the kernel is compiled. A primitive one is a constant. A primitive
 * array (float, double, int, long, short, char, byte, boolean; at most 64 KiB for all of a kernel's) is a
 * constant table: its contents are copied at compile time and embedded in the program (PTX: an initialised
 * {@code .global} array read through the read-only cache; OpenCL: a program-scope {@code __constant} array),
 * its {@code length} is a constant, and an element at a constant index folds to its value. Writes to the Java
 * array after the kernel is compiled are NOT seen by devices, and since accelerators cache compiled kernels
 * per method and constants, compiling again does not take a new copy either (the JVM backend, which runs the
 * Java code, does see them): treat such arrays as immutable. A kernel that writes into a table (or adds to it
 * atomically) does not compile. Indices are not checked on devices, as for every other array there: an index
 * out of range reads whatever lies beyond the table, while the JVM backend throws
 * ArrayIndexOutOfBoundsException.
 */
public final class KernelCompiler {
    private KernelCompiler() {
    }

    /** Front end, then the optimisation pipeline. {@code constants}: parameter index (Java order) to value. */
    public static Graph graph(Method kernel, Map<Integer, Object> constants) {
        return graph(kernel, constants, Set.of());
    }

    /** As above, compiling the TornadoMath calls whose ops are in {@code expandInJava} from PortableMath. */
    public static Graph graph(Method kernel, Map<Integer, Object> constants, Set<Op> expandInJava) {
        Graph graph = KernelFrontend.build(kernel, constants, expandInJava);
        try {
            SsaCleanup.run(graph);
            optimise(graph);
        } catch (KernelCompileException e) {
            throw e.inKernel(graph.kernel);
        }
        return graph;
    }

    /**
     * Folding first (specialised constants collapse branches and loop bounds), then value numbering, then
     * if-conversion (small pure branches become selects), then loop-invariant motion, repeated while something
     * changes (a hoisted expression can become foldable or common with another). A few rounds reach the fixed
     * point for kernels of our size.
     */
    static void optimise(Graph graph) {
        for (int round = 0; round < 4; round++) {
            boolean changed = false;
            if (ConstantFolding.run(graph)) {
                SsaCleanup.run(graph);
                changed = true;
            }
            changed |= ValueNumbering.run(graph);
            while (LoopUnrolling.runOnce(graph)) {
                SsaCleanup.run(graph);
                ConstantFolding.run(graph);
                SsaCleanup.run(graph);
                changed = true;
            }
            if (IfConversion.run(graph)) {
                SsaCleanup.run(graph);
                changed = true;
            }
            changed |= LoopInvariantMotion.run(graph);
            SsaCleanup.run(graph);
            if (!changed) {
                break;
            }
        }
    }

    public static String ptx(Method kernel, Map<Integer, Object> constants, PtxEmitter.Options options) {
        return PtxEmitter.emit(ptxGraph(kernel, constants, options.fastMath()), options);
    }

    /** The optimised graph for OpenCL C, with the math OpenCL's built-ins are too loose for inlined. */
    public static Graph openClGraph(Method kernel, Map<Integer, Object> constants, boolean fastMath) {
        return graph(kernel, constants, MathExpansion.forOpenCl(fastMath));
    }

    /** The optimised graph with PTX's explicit, shared, hoisted and strength-reduced addresses. */
    public static Graph ptxGraph(Method kernel, Map<Integer, Object> constants, boolean fastMath) {
        Graph graph = graph(kernel, constants, MathExpansion.forPtx(fastMath));
        AddressLowering.run(graph);
        ValueNumbering.run(graph);
        AddressStrengthReduction.run(graph);
        LoopInvariantMotion.run(graph);
        ValueNumbering.run(graph);
        SsaCleanup.run(graph);
        return graph;
    }

    /**
     * Adds the division-by-zero checks to an optimised device graph (nothing when every divisor is a non-zero
     * constant): the last step of the graphs accelerators compile, which pass the hidden parameters.
     * {@link #ptx} and {@link #openCl} leave it out, so callers that pass the ABI's arguments themselves keep
     * the plain signature; there a division by zero gives 0 without a report.
     */
    public static Graph checkDivisions(Graph graph) {
        DivisionChecks.run(graph);
        return graph;
    }

    /** The graph a CUDA accelerator compiles: {@link #ptxGraph} (accurate math) with division checks. */
    public static Graph devicePtxGraph(Method kernel, Map<Integer, Object> constants) {
        return checkDivisions(ptxGraph(kernel, constants, false));
    }

    /** The graph an OpenCL accelerator compiles: {@link #openClGraph} (accurate math) with division checks. */
    public static Graph deviceOpenClGraph(Method kernel, Map<Integer, Object> constants) {
        return checkDivisions(openClGraph(kernel, constants, false));
    }

    public static String openCl(Method kernel, Map<Integer, Object> constants) {
        return OpenClEmitter.emit(openClGraph(kernel, constants, false));
    }
}
