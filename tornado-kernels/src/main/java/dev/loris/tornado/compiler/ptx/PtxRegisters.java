package dev.loris.tornado.compiler.ptx;

import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.util.EnumMap;
import java.util.Map;

/**
 * Virtual registers for one kernel: one per SSA value, named by class (%r b32, %rd b64, %f f32, %fd f64,
 * %p pred, %h b16) and numbered by value id, plus numbered temporaries. ptxas does the real allocation.
 *
 * <p>A work-item's own array (PRIVATE_ARRAY) is a row of registers {@code %a<id>x0, %a<id>x1, ...}, written
 * and read in place: unlike SSA values they are assigned many times (an accumulator across a loop), which
 * PTX registers allow and ptxas turns into SSA itself.
 */
final class PtxRegisters {
    enum Kind {
        B32("%r", ".b32"), B64("%rd", ".b64"), F32("%f", ".f32"), F64("%fd", ".f64"), PRED("%p", ".pred"),
        B16("%h", ".b16");

        final String prefix;
        final String ptxType;

        Kind(String prefix, String ptxType) {
            this.prefix = prefix;
            this.ptxType = ptxType;
        }
    }

    private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    private final StringBuilder privateArrays = new StringBuilder();
    private int nextTemp;

    PtxRegisters(int valueCount) {
        this.nextTemp = valueCount;
    }

    static Kind kindOf(Type type) {
        return switch (type) {
            case I32, PTR_LOCAL, PTR_PRIVATE -> Kind.B32;
            case I64, PTR_GLOBAL, PTR_CONST -> Kind.B64;
            case F32 -> Kind.F32;
            case F64 -> Kind.F64;
            case PRED -> Kind.PRED;
            case VOID -> throw new IllegalArgumentException("void values have no register");
        };
    }

    String of(Value v) {
        return name(kindOf(v.type), v.id);
    }

    String temp(Kind kind) {
        return name(kind, nextTemp++);
    }

    private String name(Kind kind, int number) {
        counts.merge(kind, number + 1, Math::max);
        return kind.prefix + number;
    }

    /** Element {@code i} of the private array {@code array}. */
    static String element(Value array, long i) {
        return "%a" + array.id + "x" + i;
    }

    /** Declares the registers of the private array {@code array} (once per array). */
    void declarePrivate(Value array, String ptxType) {
        privateArrays.append("    .reg .").append(ptxType).append(" %a").append(array.id).append("x<")
                .append(Math.max(array.index, 1)).append(">;\n");
    }

    /** The .reg declarations covering every register handed out. */
    String declarations() {
        StringBuilder s = new StringBuilder(privateArrays);
        for (Map.Entry<Kind, Integer> e : counts.entrySet()) {
            s.append("    .reg ").append(e.getKey().ptxType).append(' ').append(e.getKey().prefix)
                    .append('<').append(e.getValue()).append(">;\n");
        }
        return s.toString();
    }
}
