package dev.loris.tornado.compiler.ir;

/**
 * The type of an SSA value. Like the JVM's operand stack, byte, short, char and boolean values are I32; the
 * narrow types exist only in memory ({@link MemType}). PRED is a one-bit condition (a PTX predicate register),
 * produced by comparisons and consumed by branches and selects. Pointers carry their address space; the element
 * type of what they point to is on the memory operations. PTR_CONST points into a read-only table the compiler
 * embeds in the program ({@link ConstantTable}): 64-bit like global memory, and never written. PTR_PRIVATE is
 * a work-item's own array ({@code new float[16]} in a kernel): registers on PTX, where it must be indexed by
 * compile-time constants, a private array in OpenCL C.
 */
public enum Type {
    I32(4), I64(8), F32(4), F64(8), PRED(1), PTR_GLOBAL(8), PTR_LOCAL(4), PTR_CONST(8), PTR_PRIVATE(4), VOID(0);

    private final int bytes;

    Type(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isInteger() {
        return this == I32 || this == I64;
    }

    public boolean isFloat() {
        return this == F32 || this == F64;
    }

    public boolean isPointer() {
        return this == PTR_GLOBAL || this == PTR_LOCAL || this == PTR_CONST || this == PTR_PRIVATE;
    }
}
