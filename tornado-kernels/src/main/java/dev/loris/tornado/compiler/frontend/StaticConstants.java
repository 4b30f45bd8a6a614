package dev.loris.tornado.compiler.frontend;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Reads a {@code static final} primitive field at compile time, so kernels can use named constants that javac
 * did not inline (computed ones). Mutable statics cannot be read consistently by thousands of threads.
 */
final class StaticConstants {
    private StaticConstants() {
    }

    static Object read(ClassLoader loader, String owner, String name, InstructionTranslator at) {
        try {
            Field field = Class.forName(owner.replace('/', '.'), true, loader).getDeclaredField(name);
            if (!Modifier.isFinal(field.getModifiers()) || !Modifier.isStatic(field.getModifiers())) {
                throw at.error("reading the non-final static field " + name + " (only static final constants)");
            }
            if (!field.getType().isPrimitive()) {
                throw at.error("the static field " + name + " is not a primitive constant");
            }
            field.setAccessible(true);
            Object value = field.get(null);
            return switch (value) {
                case Boolean b -> b ? 1 : 0;
                case Byte b -> (int) b;
                case Short s -> (int) s;
                case Character c -> (int) c;
                default -> value;
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof dev.loris.tornado.compiler.KernelCompileException k) {
                throw k;
            }
            throw at.error("cannot read the static constant " + owner.replace('/', '.') + "." + name + ": " + e);
        }
    }
}
