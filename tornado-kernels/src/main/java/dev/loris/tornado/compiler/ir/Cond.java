package dev.loris.tornado.compiler.ir;

/**
 * A comparison. For floats, {@code unordered} variants are true when either side is NaN (PTX's ltu, geu...);
 * the ordered ones are false then. Java's fcmpl/fcmpg-then-branch pairs map onto one of the two.
 */
public enum Cond {
    EQ, NE, LT, LE, GT, GE;

    public Cond negate() {
        return switch (this) {
            case EQ -> NE;
            case NE -> EQ;
            case LT -> GE;
            case GE -> LT;
            case GT -> LE;
            case LE -> GT;
        };
    }

    public Cond swap() {
        return switch (this) {
            case EQ, NE -> this;
            case LT -> GT;
            case GT -> LT;
            case LE -> GE;
            case GE -> LE;
        };
    }

    public boolean test(int order) {
        return switch (this) {
            case EQ -> order == 0;
            case NE -> order != 0;
            case LT -> order < 0;
            case LE -> order <= 0;
            case GT -> order > 0;
            case GE -> order >= 0;
        };
    }
}
