package dev.loris.tornado.compiler.opencl;

import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.compiler.opt.GroupDivergence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The simd exchanges (SHUFFLE_DOWN, SHUFFLE_XOR, SHUFFLE_IDX; simdSum and simdMax arrive as xor butterflies)
 * as OpenCL C, in the way {@link OpenClWarps} chose for the device. Both ways move 32-bit patterns, so floats
 * and ints are exchanged bit for bit, and both first work out the source lane with Java's rules (a source
 * outside the warp, or a negative delta or mask, keeps the lane's own value), so the built-ins only ever see
 * in-range lanes.
 */
final class OpenClWarpLowering {
    static final String SCRATCH = "loris_simd_scratch";

    /** Helpers each helper calls, emitted before it. */
    private static final Map<String, List<String>> DEPENDENCIES = Map.of(
            "loris_simd_lane", List.of("loris_linear_local_id"),
            "loris_simd_down_lane", List.of("loris_simd_lane"),
            "loris_simd_xor_lane", List.of("loris_simd_lane"),
            "loris_simd_index_lane", List.of("loris_simd_lane"),
            "loris_sub_group_down", List.of("loris_simd_down_lane"),
            "loris_sub_group_xor", List.of("loris_simd_xor_lane"),
            "loris_local_exchange", List.of("loris_linear_local_id"));

    private final OpenClWarps warps;
    private final OpenClNames names;
    private final Set<String> helpersUsed;
    /** Whether the kernel exchanges at all, known after {@link #prepare}. */
    private boolean exchanges;
    /** Whether a built-in of cl_khr_subgroup_shuffle (not only of _relative) was written. */
    private boolean usesShuffleExtension;

    OpenClWarpLowering(OpenClWarps warps, OpenClNames names, Set<String> helpersUsed) {
        this.warps = warps;
        this.names = names;
        this.helpersUsed = helpersUsed;
    }

    static boolean isExchange(Value v) {
        return v.op == Op.SHUFFLE_DOWN || v.op == Op.SHUFFLE_XOR || v.op == Op.SHUFFLE_IDX;
    }

    String expression(Value v) {
        if (v.type != Type.F32 && v.type != Type.I32) {
            throw error(v, "simd exchange of a " + v.type + " value (only float and int)");
        }
        String bits = "as_uint(" + names.of(v.input(0)) + ")";
        String argument = names.of(v.input(1));
        String exchanged = switch (warps.kind()) {
            case SUB_GROUP_SHUFFLES -> subGroup(v.op, bits, argument);
            case LOCAL_MEMORY ->
                    call("loris_local_exchange", SCRATCH + ", " + bits + ", " + sourceLane(v.op, argument));
            case UNAVAILABLE -> throw error(v, "simd operations need the OpenCL device they will run on: compile the "
                    + "kernel through an OpenCL Accelerator (or pass OpenClWarps to OpenClEmitter)");
        };
        return (v.type == Type.F32 ? "as_float(" : "as_int(") + exchanged + ")";
    }

    private String subGroup(Op op, String bits, String argument) {
        usesShuffleExtension |= op != Op.SHUFFLE_DOWN || !warps.relativeShuffles();
        return switch (op) {
            case SHUFFLE_DOWN -> warps.relativeShuffles() ? call("loris_sub_group_down", bits + ", " + argument)
                    : call("sub_group_shuffle", bits + ", (uint) " + sourceLane(op, argument));
            case SHUFFLE_XOR -> call("loris_sub_group_xor", bits + ", " + argument);
            default -> call("sub_group_shuffle", bits + ", (uint) " + sourceLane(op, argument));
        };
    }

    /** The lane (0..31) the value comes from, by KernelContext's rules. */
    private String sourceLane(Op op, String argument) {
        return switch (op) {
            case SHUFFLE_DOWN -> call("loris_simd_down_lane", argument);
            case SHUFFLE_XOR -> call("loris_simd_xor_lane", argument);
            default -> call("loris_simd_index_lane", argument);
        };
    }

    private String call(String function, String arguments) {
        use(function);
        return function + "(" + arguments + ")";
    }

    /** Records a prelude helper (after the helpers it calls); built-ins are not in the prelude. */
    private void use(String function) {
        if (!OpenClPrelude.HELPERS.containsKey(function) || helpersUsed.contains(function)) {
            return;
        }
        DEPENDENCIES.getOrDefault(function, List.of()).forEach(this::use);
        helpersUsed.add(function);
    }

    /** The extension pragmas the exchanges written so far need. */
    List<String> pragmas() {
        List<String> pragmas = new ArrayList<>();
        if (usesShuffleExtension) {
            pragmas.add("#pragma OPENCL EXTENSION " + OpenClWarps.SHUFFLE_EXTENSION + " : enable");
        }
        if (helpersUsed.contains("loris_sub_group_down")) {
            pragmas.add("#pragma OPENCL EXTENSION " + OpenClWarps.RELATIVE_SHUFFLE_EXTENSION + " : enable");
        }
        return pragmas;
    }

    /** Text before {@code __kernel}: the sub-group size requirement, where the device takes one. */
    String kernelAttribute() {
        return exchanges && warps.requireSubGroupSize32() ? "__attribute__((intel_reqd_sub_group_size(32)))\n" : "";
    }

    /** The hidden local array of the local-memory fallback, when the kernel exchanges anything. */
    String declaration() {
        return exchanges && warps.kind() == OpenClWarps.Kind.LOCAL_MEMORY
                ? "    __local uint " + SCRATCH + "[" + warps.scratchItems() + "];\n" : "";
    }

    /**
     * Notes whether the kernel exchanges at all and, for the local-memory fallback, refuses exchanges that
     * some work-items of a group might not reach: their barriers would hang or corrupt the exchange.
     */
    void prepare(Graph graph) {
        GroupDivergence divergence = null;
        for (Block b : graph.blocks) {
            for (Value v : b.values) {
                if (!isExchange(v)) {
                    continue;
                }
                exchanges = true;
                if (warps.kind() != OpenClWarps.Kind.LOCAL_MEMORY) {
                    continue;
                }
                divergence = divergence == null ? GroupDivergence.of(graph) : divergence;
                if (!divergence.reachedByWholeGroup(b)) {
                    throw error(v, "a simd operation that only some work-items of the work-group reach. This OpenCL "
                            + "device has no " + OpenClWarps.SHUFFLE_EXTENSION + " with 32-wide sub-groups, so simd "
                            + "operations go through local memory between barriers, and every work-item of the group "
                            + "must reach each of them: no simd call under a condition on the work-item's id or on "
                            + "data, nor after an early return");
                }
            }
        }
    }

    private KernelCompileException error(Value v, String problem) {
        return KernelCompileException.at(v, problem);
    }
}
