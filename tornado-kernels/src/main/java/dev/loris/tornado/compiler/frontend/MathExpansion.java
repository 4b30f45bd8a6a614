package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.ir.Op;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which math (and tile) operations each backend compiles from their {@code PortableMath} ({@code PortableTiles})
 * Java body (inlined by the front
 * end) instead of a device instruction or built-in: the set to pass to
 * {@link KernelFrontend#build(java.lang.reflect.Method, java.util.Map, Set)}.
 *
 * <p>The rule is "accurate unless fast-math is asked for". PTX has only approximate instructions for log, sin,
 * cos and tanh (lg2/sin/cos/tanh .approx), and its exp through ex2.approx reaches 3 ulp where PortableMath's
 * reaches 1; so all six are expanded. OpenCL's built-ins carry the spec's bounds (exp, log 3 ulp; sin, cos
 * 4; tanh 5; pow 16), looser than PortableMath's 1 ulp, and differ between vendors; expanding all six gives
 * every device the same bits as PTX. pow stays expanded under fast-math on both: neither target has a pow
 * instruction, and a shortcut through exp2(y log2 x) would drop Java's rules for negative bases and the
 * special values. Double precision is expanded only where PortableMath has a double version.
 */
public final class MathExpansion {
    private static final Set<Op> ACCURATE = Set.copyOf(EnumSet.of(Op.EXP, Op.LOG, Op.SIN, Op.COS, Op.TANH, Op.POW));
    private static final Set<Op> FAST = Set.of(Op.POW);
    /**
     * OpenCL has no portable matrix instructions (the sub-group matrix extensions are vendor-specific and
     * absent from PoCL), so the tile operations compile from their PortableTiles bodies there.
     */
    private static final Set<Op> TILES = Set.copyOf(EnumSet.of(Op.MMA_BF16, Op.MMA_F16, Op.LDMATRIX, Op.LDMATRIX_T,
            Op.COPY_ASYNC, Op.ASYNC_COMMIT, Op.ASYNC_WAIT));

    private MathExpansion() {
    }

    /** For PTX: with fast-math, exp/log/sin/cos/tanh use the .approx instructions. */
    public static Set<Op> forPtx(boolean fastMath) {
        return fastMath ? FAST : ACCURATE;
    }

    /** For OpenCL C: with fast-math, exp/log/sin/cos use native_* and tanh the built-in. */
    public static Set<Op> forOpenCl(boolean fastMath) {
        Set<Op> expanded = EnumSet.copyOf(TILES);
        expanded.addAll(fastMath ? FAST : ACCURATE);
        return expanded;
    }
}
