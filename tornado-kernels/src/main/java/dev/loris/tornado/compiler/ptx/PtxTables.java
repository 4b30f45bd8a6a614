package dev.loris.tornado.compiler.ptx;

import dev.loris.tornado.compiler.ir.ConstantTable;
import dev.loris.tornado.compiler.ir.Value;

/**
 * Constant tables (static final primitive arrays) as initialised module-scope arrays in the {@code .global}
 * state space, read with {@code ld.global.nc}.
 *
 * <p>Why not {@code .const}: the constant cache serves one address per warp per pass, so lanes reading
 * different elements (a codebook indexed by data, the common case for these tables) are serialised, one pass
 * per distinct address (CUDA C++ Programming Guide, "Constant Memory"). Global memory through the read-only
 * data cache serves such a gather as one cached transaction for a small table, and costs the same as the
 * constant cache when all lanes read one element. The driver copies the initialiser to the device when it
 * loads the module, so each module (each compiled kernel) has its own copy.
 */
final class PtxTables {
    private PtxTables() {
    }

    /** The table's name in the module: unique per value, never a kernel's name. */
    static String name(Value table) {
        return "loris_const_" + table.id;
    }

    /** The module-scope declaration of {@code table} with its contents, preceded by a comment naming the field. */
    static String declaration(Value table) {
        ConstantTable contents = (ConstantTable) table.constant;
        int bytes = contents.element().bytes();
        StringBuilder s = new StringBuilder("// ").append(contents.field()).append('\n');
        s.append(".global .align ").append(bytes).append(" .b").append(8 * bytes).append(' ').append(name(table))
                .append('[').append(contents.length()).append("] = ").append(contents.hexInitialiser(""));
        return s.append(";\n").toString();
    }
}
