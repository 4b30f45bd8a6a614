package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

/**
 * Receives a kernel's Java arguments as KernelCompiler's ABI lays them out on a device: an array becomes a
 * pointer and its element count (64-bit), primitives pass as themselves with byte, short, char and boolean
 * widened to int. Device backends implement the four slots; {@link #pass} walks the arguments once.
 */
interface ArgumentSink {
    void array(TornadoNativeArray array);

    void i32(int value);

    void i64(long value);

    void f32(float value);

    void f64(double value);

    static void pass(Object[] javaArgs, ArgumentSink sink) {
        for (Object arg : javaArgs) {
            switch (arg) {
                case TornadoNativeArray array -> sink.array(array);
                case Integer v -> sink.i32(v);
                case Long v -> sink.i64(v);
                case Float v -> sink.f32(v);
                case Double v -> sink.f64(v);
                case Short v -> sink.i32(v);
                case Byte v -> sink.i32(v);
                case Character v -> sink.i32(v);
                case Boolean v -> sink.i32(v ? 1 : 0);
                default -> throw new IllegalArgumentException("a kernel argument of type " + arg.getClass().getName()
                        + " has no device form");
            }
        }
    }
}
