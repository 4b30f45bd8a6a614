package dev.loris.tornado.compiler.ptx;

import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.compiler.ptx.PtxRegisters.Kind;

/**
 * The floating-point operations whose PTX instruction differs from Java on NaN or signed zeros, written out
 * so the answer is Java's bit for bit (H100 and ptxas behaviour, issue 16):
 * <ul>
 *   <li>float/double to int/long: {@code cvt.rzi} saturates like Java, but {@code cvt.rzi.s64.f32},
 *   {@code .s32.f64} and {@code .s64.f64} give MIN_VALUE for NaN where Java gives 0 (so does Math.round,
 *   which ends in such a conversion); a NaN test selects 0. {@code cvt.rzi.s32.f32} gives 0 itself.</li>
 *   <li>f16 and bf16 rounding: {@code cvt.rn.f16.f32} / {@code cvt.rn.bf16.f32} give the canonical 0x7FFF
 *   for every NaN, and {@code cvt.f32.f16} drops a NaN's payload. Java keeps the sign and the leading
 *   payload bits, made quiet: TornadoMath.floatToBfloat16 by definition, Float.floatToFloat16 and
 *   float16ToFloat as HotSpot computes them on x86 and AArch64, interpreted or compiled (IEEE 754's
 *   convertFormat: f32 0x7F800001 gives 0x7E00, f16 0x7D01 gives 0x7FE02000). Their javadoc promises only
 *   "a NaN"; the Java code inside Float (used by no HotSpot platform we know of) would keep a signalling
 *   NaN signalling, and we follow the JVM that runs the kernels on the host.</li>
 *   <li>abs and negation: Java changes only the sign bit (NaN payload kept); {@code abs.f32}/{@code neg.f32}
 *   may canonicalise NaN, so they are {@code and}/{@code xor} on the bits, one instruction as before.</li>
 *   <li>Math.min/max(double): PTX has no {@code min.NaN.f64}; {@code min.f64} drops a NaN operand and its
 *   signed-zero choice is not Java's, so both are fixed up after it.</li>
 * </ul>
 * Not matched: the payload of a NaN made by arithmetic, sqrt or float min/max ({@code min.NaN.f32} gives
 * the canonical 0x7FFFFFFF). Java does not specify which NaN such operations return (JLS 4.2.3; HotSpot's
 * answer depends on the CPU and on whether code is interpreted), only that it is a NaN, which holds.
 */
final class PtxJavaFloat {
    private final PtxRegisters regs;
    private final PtxLowering lowering;

    PtxJavaFloat(PtxRegisters regs, PtxLowering lowering) {
        this.regs = regs;
        this.lowering = lowering;
    }

    /** {@code (int)}/{@code (long)} of a float or double with {@code instruction} (cvt.rzi...), NaN to 0. */
    void toInteger(Value v, String instruction, boolean nanNeedsFix) {
        String d = regs.of(v);
        String a = regs.of(v.input(0));
        lowering.line(instruction + " " + d + ", " + a + ";");
        if (nanNeedsFix) {
            String nan = regs.temp(Kind.PRED);
            lowering.line("testp.notanumber." + floatType(v.input(0).type) + " " + nan + ", " + a + ";");
            lowering.line("selp." + PtxLowering.bits(v.type) + " " + d + ", 0, " + d + ", " + nan + ";");
        }
    }

    /** f32 to f16 bits, sign-extended like Java's short; a NaN as HotSpot makes it (see the class comment). */
    void floatToHalf(Value v) {
        String a = regs.of(v.input(0));
        String d = regs.of(v);
        String h = regs.temp(Kind.B16);
        lowering.line("cvt.rn.f16.f32 " + h + ", " + a + ";");
        lowering.line("cvt.s32.s16 " + d + ", " + h + ";");
        String u = bitsOf(a);
        // (u >> 16 & 0xFFFF8000: the sign, extended) | 0x7E00 | (u >>> 13 & 0x3FF)
        String nan = regs.temp(Kind.B32);
        String part = regs.temp(Kind.B32);
        lowering.line("shr.u32 " + nan + ", " + u + ", 13;");
        lowering.line("and.b32 " + nan + ", " + nan + ", 1023;");
        lowering.line("shr.s32 " + part + ", " + u + ", 16;");
        lowering.line("and.b32 " + part + ", " + part + ", -32768;");
        lowering.line("or.b32 " + nan + ", " + nan + ", " + part + ";");
        lowering.line("or.b32 " + nan + ", " + nan + ", 32256;");
        selectIfNaN(d, nan, a);
    }

    /** f16 bits to f32; a NaN quieted with its sign and payload kept, as HotSpot converts it. */
    void halfToFloat(Value v) {
        String a = regs.of(v.input(0));
        String d = regs.of(v);
        String h = regs.temp(Kind.B16);
        lowering.line("cvt.u16.u32 " + h + ", " + a + ";");
        lowering.line("cvt.f32.f16 " + d + ", " + h + ";");
        // (h & 0x8000) << 16 | 0x7FC00000 | (h & 0x3FF) << 13, chosen when (h & 0x7FFF) > 0x7C00
        String nan = regs.temp(Kind.B32);
        String part = regs.temp(Kind.B32);
        String isNan = regs.temp(Kind.PRED);
        lowering.line("and.b32 " + part + ", " + a + ", 32767;");
        lowering.line("setp.gt.u32 " + isNan + ", " + part + ", 31744;");
        lowering.line("and.b32 " + nan + ", " + a + ", 32768;");
        lowering.line("shl.b32 " + nan + ", " + nan + ", 16;");
        lowering.line("and.b32 " + part + ", " + a + ", 1023;");
        lowering.line("shl.b32 " + part + ", " + part + ", 13;");
        lowering.line("or.b32 " + nan + ", " + nan + ", " + part + ";");
        lowering.line("or.b32 " + nan + ", " + nan + ", 2143289344;");
        lowering.line("selp.b32 " + d + ", " + nan + ", " + d + ", " + isNan + ";");
    }

    /** f32 to bf16 bits, round to nearest even; a NaN is its top half made quiet (| 0x40), sign kept. */
    void floatToBfloat16(Value v) {
        String a = regs.of(v.input(0));
        String d = regs.of(v);
        String h = regs.temp(Kind.B16);
        lowering.line("cvt.rn.bf16.f32 " + h + ", " + a + ";");
        lowering.line("cvt.s32.s16 " + d + ", " + h + ";");
        String nan = regs.temp(Kind.B32);
        lowering.line("shr.s32 " + nan + ", " + bitsOf(a) + ", 16;");
        lowering.line("or.b32 " + nan + ", " + nan + ", 64;");
        selectIfNaN(d, nan, a);
    }

    /** Math.abs (clear the sign bit) or negation (flip it) of a float or double, NaN payload kept. */
    void signBit(Value v, boolean negate) {
        boolean wide = v.type == Type.F64;
        String mask = negate ? (wide ? "-9223372036854775808" : "-2147483648")
                : (wide ? "9223372036854775807" : "2147483647");
        lowering.line((negate ? "xor.b" : "and.b") + (wide ? "64 " : "32 ") + regs.of(v) + ", "
                + regs.of(v.input(0)) + ", " + mask + ";");
    }

    /**
     * Math.min/max(double): a NaN operand is the result (the first if both), and of two equal values (+0.0
     * and -0.0 are equal) min takes the OR of their bits (-0.0 wins) and max the AND (+0.0 wins).
     */
    void doubleMinMax(Value v, boolean min) {
        String d = regs.of(v);
        String a = regs.of(v.input(0));
        String b = regs.of(v.input(1));
        lowering.line((min ? "min" : "max") + ".f64 " + d + ", " + a + ", " + b + ";");
        String equal = regs.temp(Kind.PRED);
        String bitsA = regs.temp(Kind.B64);
        String bitsB = regs.temp(Kind.B64);
        lowering.line("setp.eq.f64 " + equal + ", " + a + ", " + b + ";");
        lowering.line("mov.b64 " + bitsA + ", " + a + ";");
        lowering.line("mov.b64 " + bitsB + ", " + b + ";");
        lowering.line((min ? "or" : "and") + ".b64 " + bitsA + ", " + bitsA + ", " + bitsB + ";");
        lowering.line("selp.b64 " + d + ", " + bitsA + ", " + d + ", " + equal + ";");
        String nan = regs.temp(Kind.PRED);
        lowering.line("testp.notanumber.f64 " + nan + ", " + b + ";");
        lowering.line("selp.b64 " + d + ", " + b + ", " + d + ", " + nan + ";");
        lowering.line("testp.notanumber.f64 " + nan + ", " + a + ";");
        lowering.line("selp.b64 " + d + ", " + a + ", " + d + ", " + nan + ";");
    }

    /** The bits of the f32 register {@code f} in a b32 register. */
    private String bitsOf(String f) {
        String u = regs.temp(Kind.B32);
        lowering.line("mov.b32 " + u + ", " + f + ";");
        return u;
    }

    /** d = nanBits when the f32 register {@code f} is a NaN. */
    private void selectIfNaN(String d, String nanBits, String f) {
        String nan = regs.temp(Kind.PRED);
        lowering.line("testp.notanumber.f32 " + nan + ", " + f + ";");
        lowering.line("selp.b32 " + d + ", " + nanBits + ", " + d + ", " + nan + ";");
    }

    private static String floatType(Type t) {
        return t == Type.F32 ? "f32" : "f64";
    }
}
