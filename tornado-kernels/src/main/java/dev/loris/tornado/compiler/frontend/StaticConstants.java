package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.ir.ConstantTable;
import dev.loris.tornado.compiler.ir.MemType;

import java.lang.classfile.TypeKind;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Reads a {@code static final} field at compile time, so kernels can use named constants that javac did not
 * inline (computed ones) and constant tables: a primitive field gives its value, a primitive array field a
 * {@link ConstantTable}, a copy of the array's contents as they are now. Mutable statics cannot be read
 * consistently by thousands of threads, and arrays of anything else are not data a device can hold.
 */
final class StaticConstants {
    private StaticConstants() {
    }

    /** The field's value: a boxed int, long, float or double, or a ConstantTable for a primitive array. */
    static Object read(ClassLoader loader, String owner, String name, InstructionTranslator at) {
        String qualified = owner.replace('/', '.') + "." + name;
        try {
            Field field = Class.forName(owner.replace('/', '.'), true, loader).getDeclaredField(name);
            if (!Modifier.isFinal(field.getModifiers()) || !Modifier.isStatic(field.getModifiers())) {
                throw at.error("reading the non-final static field " + name + " (only static final constants)");
            }
            Class<?> type = field.getType();
            if (!type.isPrimitive() && !(type.isArray() && type.getComponentType().isPrimitive())) {
                throw at.error("the static field " + name + " is neither a primitive constant nor a primitive array");
            }
            if (!field.trySetAccessible()) {
                throw at.error("cannot read the static constant " + qualified + ": it is private to "
                        + field.getDeclaringClass().getModule() + ", which does not open it to Loris");
            }
            Object value = field.get(null);
            return switch (value) {
                case null -> throw at.error("the static final array " + qualified + " is null");
                case Boolean b -> b ? 1 : 0;
                case Byte b -> (int) b;
                case Short s -> (int) s;
                case Character c -> (int) c;
                default -> type.isArray() ? snapshot(qualified, value, at) : value;
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof dev.loris.tornado.compiler.KernelCompileException k) {
                throw k;
            }
            throw at.error("cannot read the static constant " + qualified + ": " + e);
        }
    }

    private static ConstantTable snapshot(String field, Object array, InstructionTranslator at) {
        int length = Array.getLength(array);
        Object copy = Array.newInstance(array.getClass().getComponentType(), length);
        System.arraycopy(array, 0, copy, 0, length);
        // Boolean arrays are bytes, as baload reads them.
        MemType element = InstructionTranslator.memType(TypeKind.from(array.getClass().getComponentType()));
        return new ConstantTable(field, element, copy);
    }
}
