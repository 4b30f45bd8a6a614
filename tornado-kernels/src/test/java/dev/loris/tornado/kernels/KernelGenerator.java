package dev.loris.tornado.kernels;

import java.util.Random;

/**
 * Writes small random kernels as Java source for the differential conformance ring
 * ({@link DifferentialConformanceTest}): expression trees over int, long, float and double values (the work-item's
 * own inputs a, b, c, d and the scalar parameters p, q, r, s) with Java's arithmetic, bit operations, shifts by any
 * count, narrowing and widening casts, division and remainder, Math.min/max/abs/sqrt/floor/ceil/fma/signum/round/
 * floorDiv/floorMod, Integer/Long bit methods, f16 conversions, comparisons, ternaries, switch expressions (dense
 * and sparse labels), and loops with constant,
 * parameter and per-item trip counts (for, nested for, do-while, while(true) with break) carrying an accumulator.
 *
 * <p>Each kernel computes {@link #RESULTS} values per work-item and stores them as long bits in {@code out}; the
 * same statements are written a second time into a plain static method {@code reference} that fills a long[],
 * the Java meaning the backends are held to. What the generator leaves out, on purpose:
 * <ul>
 *   <li>Integer division and remainder by a divisor that may be zero: Java throws, devices record a fault and
 *       raise {@code DivisionByZeroException} after the launch ({@code DivisionChecksTest} covers that); divisors
 *       here are {@code (x | 1)}, -1 (MIN_VALUE / -1 overflows) or non-zero literals. Float division by
 *       zero is Java-defined and generated.</li>
 *   <li>Floating-point remainder: kernels refuse it with a compile error naming the line (no device has
 *       Java's fmod in one instruction), so there is nothing to compare.</li>
 *   <li>Transcendental Math functions (sin, exp, pow, ...): Java allows them 1 ulp, so they are not bit-exact
 *       anywhere (TornadoMath's tests hold them to tolerances); sqrt is correctly rounded and generated.</li>
 *   <li>Raw NaN bits inside an expression (floatToRawIntBits of a computed NaN): NaN payloads and signs of
 *       arithmetic and min/max are canonical on devices, which Java leaves unspecified (docs/ARCHITECTURE.md,
 *       "Java semantics"); the test compares NaN results as NaN, whatever their bits.</li>
 * </ul>
 */
final class KernelGenerator {
    /** Results per work-item: one per type from plain expressions, then one per type from a loop. */
    static final int RESULTS = 8;
    private static final char[] TYPES = {'I', 'J', 'F', 'D'};
    private static final String[] INT_EDGES = {"0", "1", "-1", "2", "31", "32", "33", "63", "64", "7", "0x7fffffff",
            "0x80000000", "0xffff", "0x8000", "-129", "65535", "1000000007"};
    private static final String[] LONG_EDGES = {"0L", "1L", "-1L", "63L", "64L", "0x7fffffffffffffffL",
            "0x8000000000000000L", "0xffffffffL", "0x80000000L", "-0x80000001L", "1000000000000L"};
    private static final int[] FLOAT_EDGES = {0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
            0x7fc00000, 0x00000001, 0x7f7fffff, 0x4f000000, 0xcf000000, 0x5f000000, 0x3f000000, 0x4b000001};
    private static final long[] DOUBLE_EDGES = {0L, 0x8000000000000000L, 0x3ff0000000000000L, 0x7ff0000000000000L,
            0xfff0000000000000L, 0x7ff8000000000000L, 1L, 0x41e0000000000000L, 0xc1e0000000000000L,
            0x43e0000000000000L, 0x3fe0000000000000L, 0x7fefffffffffffffL};

    private final Random random;
    private String loopVariable;
    private char loopType;
    private String loopCounter;

    KernelGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** The source of class {@code pkg.name} with the kernel {@code kernel} and its plain twin {@code reference}. */
    String kernelClass(String pkg, String name) {
        String[] statements = new String[RESULTS];
        for (int t = 0; t < TYPES.length; t++) {
            statements[t] = "OUT(" + t + ", " + asBits(TYPES[t], expression(TYPES[t], 4)) + ");";
            statements[TYPES.length + t] = loop(TYPES[t], TYPES.length + t);
        }
        String body = String.join("\n        ", statements);
        return "package " + pkg + ";\n"
                + "import dev.loris.tornado.api.KernelContext;\n"
                + "import dev.loris.tornado.api.types.arrays.IntArray;\n"
                + "import dev.loris.tornado.api.types.arrays.LongArray;\n"
                + "public final class " + name + " {\n"
                + "    public static void kernel(KernelContext ctx, IntArray ai, LongArray bl, IntArray cf, LongArray dd,"
                + " LongArray out, int n, int p, long q, float r, double s) {\n"
                + "        int i = ctx.globalIdx;\n"
                + "        if (i < n) {\n"
                + "        int a = ai.get(i); long b = bl.get(i); float c = Float.intBitsToFloat(cf.get(i));"
                + " double d = Double.longBitsToDouble(dd.get(i));\n"
                + "        " + body.replaceAll("OUT\\((\\d+), ", "out.set(i * " + RESULTS + " + $1, ") + "\n"
                + "        }\n"
                + "    }\n"
                + "    public static void reference(long[] out, int i, int a, long b, float c, double d,"
                + " int p, long q, float r, double s) {\n"
                + "        " + body.replaceAll("OUT\\((\\d+), (.*)\\);", "out[$1] = $2;") + "\n"
                + "    }\n"
                + "}\n";
    }

    /** A loop that updates an accumulator of {@code type}: for, do-while or while(true) with break. */
    private String loop(char type, int slot) {
        String acc = "acc" + slot;
        String k = "k" + slot;
        String init = javaType(type) + " " + acc + " = " + expression(type, 2) + "; int " + k + " = 0;";
        loopVariable = acc;
        loopType = type;
        loopCounter = k;
        String update = acc + " = " + (random.nextBoolean() ? expression(type, 3)
                : combine(type, acc, expression(type, 2))) + ";";
        String trips = switch (random.nextInt(4)) {
            case 0 -> String.valueOf(random.nextInt(7));
            case 1 -> "(p & 7)";
            case 2 -> "(a & 3)";
            default -> "(p % 5)";
        };
        String body = switch (random.nextInt(4)) {
            case 0 -> "for (" + k + " = 0; " + k + " < " + trips + "; " + k + "++) { " + update + " }";
            case 1 -> k + " = " + random.nextInt(4) + "; do { " + update + " " + k + " += 3; } while (" + k + " < "
                    + trips + ");";
            case 2 -> "for (" + k + " = 0; " + k + " < " + trips + "; " + k + "++) { for (int m = 0; m < "
                    + random.nextInt(4) + "; m++) { " + update + " } }";
            default -> "while (true) { " + update + " " + k + "++; if (" + condition(2) + " || " + k + " >= " + trips
                    + ") break; }";
        };
        loopVariable = null;
        loopCounter = null;
        return "{ " + init + " " + body + " OUT(" + slot + ", " + asBits(type, acc) + "); }";
    }

    /** The accumulator folded with a new value: the loop-carried dependence the unroller must keep. */
    private String combine(char type, String acc, String value) {
        return type == 'I' || type == 'J'
                ? "(" + acc + " " + pick("+", "^", "*", "-", "|") + " " + value + ")"
                : random.nextBoolean() ? "(" + acc + " " + pick("+", "*", "-") + " " + value + ")"
                : "Math." + pick("min", "max") + "(" + acc + ", " + value + ")";
    }

    private static String asBits(char type, String value) {
        return switch (type) {
            case 'I' -> "(long) (" + value + ")";
            case 'J' -> value;
            case 'F' -> "(long) Float.floatToRawIntBits(" + value + ")";
            default -> "Double.doubleToRawLongBits(" + value + ")";
        };
    }

    private static String javaType(char type) {
        return switch (type) {
            case 'I' -> "int";
            case 'J' -> "long";
            case 'F' -> "float";
            default -> "double";
        };
    }

    /** An expression of {@code type} at most {@code depth} operators deep. */
    String expression(char type, int depth) {
        if (depth == 0 || random.nextInt(5) == 0) {
            return leaf(type);
        }
        int choice = random.nextInt(10);
        if (choice == 0) {
            return "(" + condition(depth - 1) + " ? " + expression(type, depth - 1) + " : " + expression(type, depth - 1) + ")";
        }
        if (choice == 1) {
            return cast(type, depth);
        }
        if (choice == 2 && random.nextBoolean()) {
            return switchOn(type, depth);
        }
        return type == 'I' || type == 'J' ? integer(type, depth) : floating(type, depth);
    }

    private String integer(char type, int depth) {
        String x = expression(type, depth - 1);
        String y = expression(type, depth - 1);
        return switch (random.nextInt(13)) {
            case 12 -> library(type, x, y, depth);
            case 0 -> "(" + x + " + " + y + ")";
            case 1 -> "(" + x + " - " + y + ")";
            case 2 -> "(" + x + " * " + y + ")";
            case 3 -> "(" + x + " / " + divisor(type, y) + ")";
            case 4 -> "(" + x + " % " + divisor(type, y) + ")";
            case 5 -> "(" + x + " " + pick("&", "|", "^") + " " + y + ")";
            case 6 -> "(" + x + " " + pick("<<", ">>", ">>>") + " " + expression(random.nextBoolean() ? 'I' : 'J', depth - 1) + ")";
            case 7 -> "(" + pick("-", "~") + x + ")";
            case 8 -> "Math." + pick("min", "max") + "(" + x + ", " + y + ")";
            case 9 -> "Math.abs(" + x + ")";
            case 10 -> type == 'I' ? "((int) (" + pick("short", "byte", "char") + ") " + x + ")" : "((long) (int) " + x + ")";
            default -> "(" + x + " " + pick("+", "-") + " " + y + ")";
        };
    }

    /** JDK methods on integers that kernels inline from their bytecode or map to instructions. */
    private String library(char type, String x, String y, int depth) {
        String box = type == 'I' ? "Integer" : "Long";
        return switch (random.nextInt(7)) {
            case 0 -> "Math.floorDiv(" + x + ", " + divisor(type, y) + ")";
            case 1 -> "Math.floorMod(" + x + ", " + divisor(type, y) + ")";
            case 2 -> box + "." + pick("rotateLeft", "rotateRight") + "(" + x + ", " + expression('I', depth - 1) + ")";
            case 3 -> "((" + javaType(type) + ") " + box + "." + pick("bitCount", "numberOfLeadingZeros",
                    "numberOfTrailingZeros") + "(" + x + "))";
            case 4 -> type == 'I' ? "Math.round(" + expression('F', depth - 1) + ")"
                    : "Math.round(" + expression('D', depth - 1) + ")";
            case 5 -> type == 'I' ? "((int) Float.floatToFloat16(" + pick("c", "r") + "))" // raw inputs only: see the class comment
                    : "Long.reverseBytes(" + x + ")";
            default -> box + "." + pick("highestOneBit", "lowestOneBit", "reverse") + "(" + x + ")";
        };
    }

    /** A divisor that is never zero: Java throws on integer division by zero (see the class comment). */
    private String divisor(char type, String y) {
        return switch (random.nextInt(3)) {
            case 0 -> "(" + y + " | 1)";
            case 1 -> type == 'I' ? "-1" : "-1L";
            default -> type == 'I' ? pick("3", "-7", "0x40000000", "0x80000000") : pick("3L", "-7L", "0x100000000L", "0x8000000000000000L");
        };
    }

    private String floating(char type, int depth) {
        String x = expression(type, depth - 1);
        String y = expression(type, depth - 1);
        return switch (random.nextInt(10)) {
            case 8 -> type == 'D' ? "Math." + pick("floor", "ceil") + "(" + x + ")"
                    : "((float) Math." + pick("floor", "ceil") + "(" + x + "))";
            case 9 -> random.nextBoolean() ? "Math.fma(" + x + ", " + y + ", " + expression(type, depth - 1) + ")"
                    : type == 'F' ? "Float.float16ToFloat((short) " + expression('I', depth - 1) + ")"
                    : "Math.signum(" + x + ")";
            case 0 -> "(" + x + " " + pick("+", "-") + " " + y + ")";
            case 1 -> "(" + x + " * " + y + ")";
            case 2 -> "(" + x + " / " + y + ")";
            case 3, 4 -> "(-" + x + ")"; // no %: the compiler refuses floating-point remainder by name
            case 5 -> "Math." + pick("min", "max") + "(" + x + ", " + y + ")";
            case 6 -> "Math.abs(" + x + ")";
            default -> type == 'D' ? "Math.sqrt(" + x + ")" : "((float) Math.sqrt(" + x + "))";
        };
    }

    /** A switch expression on an int: dense labels (a tableswitch) or sparse ones (a lookupswitch). */
    private String switchOn(char type, int depth) {
        String[] labels = random.nextBoolean() ? new String[] {"0", "1", "2"}
                : new String[] {"-7", "100", "0x100000", "0x80000000"};
        StringBuilder text = new StringBuilder("(switch (" + expression('I', depth - 1)
                + (labels.length == 3 ? " & 3" : "") + ") { ");
        for (String label : labels) {
            text.append("case ").append(label).append(" -> ").append(expression(type, depth - 1)).append("; ");
        }
        return text.append("default -> ").append(expression(type, depth - 1)).append("; })").toString();
    }

    /** A conversion into {@code type} from another type. */
    private String cast(char type, int depth) {
        char from;
        do {
            from = TYPES[random.nextInt(TYPES.length)];
        } while (from == type);
        return "((" + javaType(type) + ") " + expression(from, depth - 1) + ")";
    }

    private String condition(int depth) {
        char type = TYPES[random.nextInt(TYPES.length)];
        String comparison = "(" + expression(type, depth) + " " + pick("<", "<=", "==", "!=", ">", ">=") + " "
                + expression(type, depth) + ")";
        return switch (random.nextInt(5)) {
            case 0 -> "(!" + comparison + ")";
            case 1 -> "(" + comparison + " " + pick("&&", "||") + " " + condition(0) + ")";
            default -> comparison;
        };
    }

    private String leaf(char type) {
        if (loopCounter != null && random.nextInt(6) == 0) {
            return type == 'I' ? loopCounter : "((" + javaType(type) + ") " + loopCounter + ")";
        }
        if (loopVariable != null && random.nextInt(3) == 0) {
            return loopType == type ? loopVariable : "((" + javaType(type) + ") " + loopVariable + ")";
        }
        return switch (type) {
            case 'I' -> random.nextInt(3) == 0 ? "(" + INT_EDGES[random.nextInt(INT_EDGES.length)] + ")" : pick("a", "p");
            case 'J' -> random.nextInt(3) == 0 ? "(" + LONG_EDGES[random.nextInt(LONG_EDGES.length)] + ")" : pick("b", "q");
            case 'F' -> random.nextInt(3) == 0
                    ? "Float.intBitsToFloat(0x" + Integer.toHexString(FLOAT_EDGES[random.nextInt(FLOAT_EDGES.length)]) + ")"
                    : pick("c", "r");
            default -> random.nextInt(3) == 0
                    ? "Double.longBitsToDouble(0x" + Long.toHexString(DOUBLE_EDGES[random.nextInt(DOUBLE_EDGES.length)]) + "L)"
                    : pick("d", "s");
        };
    }

    private String pick(String... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
