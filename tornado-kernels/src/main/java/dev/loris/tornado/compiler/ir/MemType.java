package dev.loris.tornado.compiler.ir;

/**
 * The element type of a load or store: what sits in memory, and the SSA {@link Type} it widens to.
 * Signed narrow loads sign-extend (Java's byte and short); U16 zero-extends (Java's char).
 */
public enum MemType {
    I8(1, Type.I32), I16(2, Type.I32), U16(2, Type.I32), I32(4, Type.I32), I64(8, Type.I64),
    F32(4, Type.F32), F64(8, Type.F64);

    private final int bytes;
    private final Type valueType;

    MemType(int bytes, Type valueType) {
        this.bytes = bytes;
        this.valueType = valueType;
    }

    public int bytes() {
        return bytes;
    }

    public Type valueType() {
        return valueType;
    }
}
