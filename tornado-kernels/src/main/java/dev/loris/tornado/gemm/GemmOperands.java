package dev.loris.tornado.gemm;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

/** The checks every backend makes before enqueuing anything, so a wrong operand fails the same way on all. */
public final class GemmOperands {
    private GemmOperands() {
    }

    public static void check(Accelerator accelerator, GemmShape shape, DeviceArray a, long offsetA, DeviceArray b,
                             long offsetB, DeviceArray c, long offsetC, DeviceArray bias) {
        operand(accelerator, shape, "A", a, shape.typeA(), offsetA, shape.extentA());
        operand(accelerator, shape, "B", b, shape.typeB(), offsetB, shape.extentB());
        operand(accelerator, shape, "C", c, shape.typeC(), offsetC, shape.extentC());
        if (shape.bias()) {
            if (bias == null) {
                throw bad(shape, "the shape has a bias but no bias array was given", "pass the bias vector");
            }
            GemmType type = GemmType.of(bias.arrayType());
            if (type != shape.typeC() && type != GemmType.F32) {
                throw bad(shape, "the bias is " + type + ", C is " + shape.typeC(), "give the bias C's type or f32");
            }
            operand(accelerator, shape, "bias", bias, type, 0, shape.n());
        } else if (bias != null) {
            throw bad(shape, "a bias array was given but the shape has none", "use shape.withBias()");
        }
    }

    /** {@link #check} and the stream: it must belong to the GEMM's accelerator. */
    public static void check(Accelerator accelerator, GemmShape shape, DeviceArray a, long offsetA, DeviceArray b,
                             long offsetB, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream) {
        if (stream.accelerator() != accelerator) {
            throw bad(shape, "the stream belongs to " + stream.accelerator().spec() + ", the GEMM runs on "
                    + accelerator.spec(), "use a stream of the GEMM's accelerator");
        }
        check(accelerator, shape, a, offsetA, b, offsetB, c, offsetC, bias);
    }

    private static void operand(Accelerator accelerator, GemmShape shape, String name, DeviceArray array,
                                GemmType type, long offset, long extent) {
        if (array == null) {
            throw bad(shape, name + " is null", "pass a device array");
        }
        if (array.isClosed()) {
            throw bad(shape, name + " is closed", "keep operands open until the GEMM's stream is synchronised");
        }
        if (array.accelerator() != accelerator) {
            throw bad(shape, name + " lives on " + array.accelerator().spec() + ", the GEMM runs on "
                    + accelerator.spec(), "allocate the operands on the GEMM's accelerator");
        }
        if (GemmType.of(array.arrayType()) != type) {
            throw bad(shape, name + " is a " + array.arrayType().getSimpleName() + " but the shape says " + type,
                    "allocate it as " + type.arrayType.getSimpleName() + " or view it as one");
        }
        if (offset < 0 || offset + extent > array.length()) {
            throw bad(shape, name + " needs elements [" + offset + ", " + (offset + extent) + ") but has "
                    + array.length(), "check the offset, leading dimension and batch stride");
        }
    }

    private static LorisException bad(GemmShape shape, String problem, String hint) {
        return new LorisException(shape + ": " + problem, hint);
    }
}
