package dev.loris.tornado.compiler.opencl;

import dev.loris.tornado.compiler.ir.ConstantTable;
import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Value;

/**
 * Constant tables (static final primitive arrays) as {@code __constant} arrays at program scope. Elements are
 * stored as unsigned integers of their width and reinterpreted when loaded, so every value keeps its exact
 * bits: NaN payloads, negative zero and infinities have no portable literal in a constant initialiser.
 */
final class OpenClTables {
    private OpenClTables() {
    }

    /** The program-scope declaration of {@code table}, named {@code name}, with a comment naming the field. */
    static String declaration(Value table, String name) {
        ConstantTable contents = (ConstantTable) table.constant;
        String suffix = contents.element().bytes() == 8 ? "ul" : "u";
        return "// " + contents.field() + "\n__constant " + storageType(contents.element()) + ' ' + name + '['
                + contents.length() + "] = " + contents.hexInitialiser(suffix) + ";\n";
    }

    /** The loaded element {@code element} (a C lvalue of the storage type) as the value type of {@code mem}. */
    static String load(MemType mem, String element) {
        return switch (mem) {
            case I8 -> "((int) (char) " + element + ")";
            case I16 -> "((int) (short) " + element + ")";
            case U16 -> "((int) " + element + ")";
            case I32 -> "as_int(" + element + ")";
            case I64 -> "as_long(" + element + ")";
            case F32 -> "as_float(" + element + ")";
            case F64 -> "as_double(" + element + ")";
        };
    }

    private static String storageType(MemType mem) {
        return switch (mem.bytes()) {
            case 1 -> "uchar";
            case 2 -> "ushort";
            case 4 -> "uint";
            default -> "ulong";
        };
    }
}
