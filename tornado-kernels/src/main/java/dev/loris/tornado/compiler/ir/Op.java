package dev.loris.tornado.compiler.ir;

/**
 * Every operation of the kernel IR. Arithmetic follows Java semantics exactly (wrap-around integers, shift
 * counts masked to the operand width, IEEE float ops rounded to nearest without contraction); the emitters
 * are responsible for keeping it so on each target. Operands are listed as (a, b, ...) in {@link Value#inputs}.
 */
public enum Op {
    // Leaves
    CONST,          // constant in Value.constant (Integer, Long, Float, Double, Boolean)
    PARAM,          // kernel parameter number Value.index
    UNDEF,          // a value no path defines (an out-of-scope local at a merge); must die before emission
    SPECIAL,        // a thread/grid index: Value.special
    TABLE,          // a static final primitive array, snapshotted: Value.constant is a ConstantTable -> PTR_CONST

    // Integer and float arithmetic: (a, b) of the value's type
    ADD, SUB, MUL, DIV, REM, NEG, MIN, MAX,
    AND, OR, XOR, SHL, SHR, USHR,  // integer only; SHR is arithmetic, USHR logical

    // Comparison: (a, b) -> PRED, with Value.cond and Value.unordered for floats
    CMP,
    SELECT,         // (pred, ifTrue, ifFalse)
    NOT,            // (pred) -> PRED

    // Conversions, Value.type is the destination
    CONVERT,        // numeric: i2l, l2i, i2f, f2i (Java: saturating, NaN -> 0), f2d, d2f...
    BITCAST,        // same width reinterpretation: float <-> int, double <-> long
    SEXT8, SEXT16, ZEXT16, // (a) I32 -> I32: Java's i2b, i2s, i2c
    F16_TO_F32, F32_TO_F16, BF16_TO_F32, F32_TO_BF16, // bits held in an I32
    PACK_BF16X2,    // (low F32, high F32) -> I32 of two bf16, round to nearest even, NaN -> 0x7FFF

    // Math intrinsics (see TornadoMath for accuracy per backend)
    SQRT, RSQRT, EXP, EXP2_APPROX, LOG, SIN, COS, TANH, POW, FMA, ABS, FLOOR, CEIL,

    // Memory: Value.mem is the element type; addresses are (base pointer, element index I64/I32)
    LOAD,           // (ptr, index) -> value
    STORE,          // (ptr, index, value)
    ATOMIC_ADD,     // (ptr, index, value) -> old value
    LOCAL_ARRAY,    // a work-group local array: Value.mem element type, Value.index length -> PTR_LOCAL
    PRIVATE_ARRAY,  // a work-item's own array, zero-filled where it stands (Java's new float[n]): Value.mem element
                    // type, Value.index length -> PTR_PRIVATE
    ADDRESS,        // (ptr, index) -> the element's address, Value.mem element type; made by AddressLowering
                    // for PTX only, after which LOAD/STORE/ATOMIC_ADD take (address, constant index).
                    // ADD on a pointer type is (ptr, byte offset I64 / I32 for local): strength reduction.

    // Synchronisation and warp exchange
    BARRIER,        // Value.index: 0 = local barrier, 1 = global (both work-group scope)
    SHUFFLE_DOWN, SHUFFLE_XOR, SHUFFLE_IDX, // (value, lane delta, mask or source lane)

    // Tensor-core tiles (warp-wide, see KernelContext): fragments live in private arrays at constant offsets
    MMA_BF16, MMA_F16, // (acc F32 private, accAt, a I32 private, aAt, b I32 private, bAt): m16n8k16, f32 accumulate
    LDMATRIX, LDMATRIX_T, // (fragments I32 private, at, local I16 array, row index): Value.index matrices (1, 2, 4)
    COPY_ASYNC,     // (local I16 array, index, global pointer, index, element count 0..8): 16 bytes, zero-filled
    ASYNC_COMMIT,   // closes the group of copies issued since the last commit
    ASYNC_WAIT,     // waits until at most Value.index committed groups are still in flight
    PHI;            // merge: one input per predecessor, in Block.predecessors order

    public boolean hasSideEffect() {
        return this == STORE || this == ATOMIC_ADD || this == BARRIER || this == SHUFFLE_DOWN || this == SHUFFLE_XOR
                || this == SHUFFLE_IDX || isTileOperation();
    }

    /** The tensor-core tile operations: warp-wide, and writing memory (fragments, local memory). */
    public boolean isTileOperation() {
        return switch (this) {
            case MMA_BF16, MMA_F16, LDMATRIX, LDMATRIX_T, COPY_ASYNC, ASYNC_COMMIT, ASYNC_WAIT -> true;
            default -> false;
        };
    }

    public boolean isCommutative() {
        return this == ADD || this == MUL || this == AND || this == OR || this == XOR || this == MIN || this == MAX;
    }
}
