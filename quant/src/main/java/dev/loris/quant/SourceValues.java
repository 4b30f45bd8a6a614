package dev.loris.quant;

import dev.loris.LorisException;
import dev.loris.model.safetensors.Dtype;
import dev.loris.tornado.api.math.TornadoMath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The 16- or 32-bit float values of a tensor to quantise, read in place from its (memory-mapped) bytes and
 * widened exactly to float32, as bitsandbytes' kernels widen them ({@code (float) vals[j]}).
 *
 * @param data  the tensor's little-endian bytes (count * dtype size)
 * @param dtype BF16, F16 or F32
 * @param name  the tensor, for errors
 */
record SourceValues(MemorySegment data, Dtype dtype, long count, String name) {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    SourceValues {
        if (dtype != Dtype.BF16 && dtype != Dtype.F16 && dtype != Dtype.F32) {
            throw new LorisException("tensor " + name + " is " + dtype + ", which Loris does not quantise",
                    "quantise a checkpoint stored in bf16, f16 or f32");
        }
        if (data.byteSize() != count * dtype.byteSize()) {
            throw new LorisException("tensor " + name + " has " + data.byteSize() + " bytes, not the "
                    + count * dtype.byteSize() + " its " + count + " " + dtype + " values need",
                    "the checkpoint is damaged: download it again");
        }
    }

    /** Value {@code i} as float32 (exact). */
    float get(long i) {
        return switch (dtype) {
            case BF16 -> TornadoMath.bfloat16ToFloat(data.getAtIndex(U16, i));
            case F16 -> TornadoMath.halfToFloat(data.getAtIndex(U16, i));
            default -> data.getAtIndex(F32, i);
        };
    }

    /** The torch name of the type, as bitsandbytes writes it in quant_state.dtype. */
    String torchName() {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
    }
}
