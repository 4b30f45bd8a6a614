package dev.loris.quant;

import dev.loris.LorisException;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * bitsandbytes' quantised weights in safetensors checkpoints, read and written with its key names.
 *
 * <p>4-bit (Linear4bit._save_to_state_dict with QuantState.as_dict(packed=True)), for weight W:
 * {@code W} (packed codes, any dtype holding ceil(n/2) bytes: quant_storage reinterprets them; bitsandbytes
 * writes U8 [ceil(n/2), 1]), {@code W.absmax} (U8 codes when double-quantised, else F32, one per block),
 * {@code W.quant_map} (F32 [16]), {@code W.nested_absmax} (F32 [ceil(blocks/256)]) and
 * {@code W.nested_quant_map} (F32 [256]) when double-quantised, {@code W.quant_state.bitsandbytes__nf4} or
 * {@code __fp4} (U8, the JSON of {@link BnbQuantState}).
 *
 * <p>8-bit (Linear8bitLt._save_to_state_dict) for W = P.weight: {@code P.weight} (I8 [out, in]),
 * {@code P.SCB} (F32 [out]), {@code P.weight_format} (U8 scalar, 0 = "row", the only layout bitsandbytes
 * still reads).
 *
 * <p>What is read is checked (every key present, dtypes, sizes agreeing with the quant_state's shape and
 * blocksize, quant_map equal to bitsandbytes' table, which its CUDA kernels use whatever the file says);
 * anything else is one LorisException naming the tensor. Packed codes are views of the mapped file (valid
 * while the checkpoint is open); the small tensors are copied.
 */
public final class BnbTensors {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private BnbTensors() {
    }

    /** Whether {@code weight} is stored quantised by bitsandbytes (4-bit quant_state, or int8 with SCB). */
    public static boolean isQuantized(SafetensorsCheckpoint checkpoint, String weight) {
        return fourBitType(checkpoint, weight) != null
                || checkpoint.contains(weight) && checkpoint.info(weight).dtype() == Dtype.I8
                && checkpoint.contains(prefix(weight) + ".SCB");
    }

    /** The quantised weight {@code weight} as stored; see the class comment for the layouts. */
    public static QuantizedTensor read(SafetensorsCheckpoint checkpoint, String weight) {
        FourBitType type = fourBitType(checkpoint, weight);
        if (type != null) {
            return readFourBit(checkpoint, weight, type);
        }
        if (isQuantized(checkpoint, weight)) {
            return readInt8(checkpoint, weight);
        }
        throw new LorisException("tensor " + weight + " is not stored quantised by bitsandbytes (no "
                + weight + ".quant_state.bitsandbytes__nf4/__fp4, no int8 weight with " + prefix(weight) + ".SCB)",
                "quantise it while loading instead (--load-in-4bit or --load-in-8bit)");
    }

    /** Adds {@code tensor} under bitsandbytes' keys for {@code weight}, as bitsandbytes writes them. */
    public static void add(SafetensorsWriter writer, String weight, QuantizedTensor tensor) {
        switch (tensor) {
            case FourBitTensor t -> addFourBit(writer, weight, t);
            case Int8Tensor t -> {
                writer.add(weight, Dtype.I8, t.shape(), t.codes().getSegment());
                writer.add(prefix(weight) + ".SCB", Dtype.F32, new long[] {t.rows()}, t.scb().getSegment());
                writer.add(prefix(weight) + ".weight_format", Dtype.U8, new long[0], MemorySegment.ofArray(new byte[1]));
            }
        }
    }

    private static void addFourBit(SafetensorsWriter writer, String weight, FourBitTensor t) {
        writer.add(weight, Dtype.U8, new long[] {t.packed().length(), 1}, t.packed().getSegment());
        writer.add(weight + ".quant_map", Dtype.F32, new long[] {16}, FloatArray.fromArray(t.type().code()).getSegment());
        switch (t.absmax()) {
            case Absmax.Plain plain ->
                    writer.add(weight + ".absmax", Dtype.F32, new long[] {plain.blocks()}, plain.values().getSegment());
            case Absmax.Nested nested -> {
                writer.add(weight + ".absmax", Dtype.U8, new long[] {nested.blocks()}, nested.codes().getSegment());
                writer.add(weight + ".nested_absmax", Dtype.F32, new long[] {nested.nestedAbsmax().length()},
                        nested.nestedAbsmax().getSegment());
                writer.add(weight + ".nested_quant_map", Dtype.F32, new long[] {256}, nested.nestedCode().getSegment());
            }
        }
        BnbQuantState state = BnbQuantState.of(t);
        byte[] json = state.json().getBytes(StandardCharsets.UTF_8);
        writer.add(weight + "." + state.keySuffix(), Dtype.U8, new long[] {json.length}, MemorySegment.ofArray(json));
    }

    /** The type named by {@code weight}'s quant_state key, or null if it has none. */
    private static FourBitType fourBitType(SafetensorsCheckpoint checkpoint, String weight) {
        FourBitType found = null;
        for (FourBitType type : FourBitType.values()) {
            if (checkpoint.contains(weight + ".quant_state.bitsandbytes__" + type.bnbName())) {
                if (found != null) {
                    throw BnbQuantState.bad(weight, "it has both an nf4 and an fp4 quant_state");
                }
                found = type;
            }
        }
        return found;
    }

    private static FourBitTensor readFourBit(SafetensorsCheckpoint checkpoint, String weight, FourBitType keyType) {
        String stateKey = weight + ".quant_state.bitsandbytes__" + keyType.bnbName();
        byte[] json = require(checkpoint, weight, stateKey, Dtype.U8, -1).toArray(ValueLayout.JAVA_BYTE);
        BnbQuantState state = BnbQuantState.parse(json, weight, keyType);
        long n = FourBitTensor.elementCount(state.shape());
        long blocks = (n + state.blocksize() - 1) / state.blocksize();
        TensorInfo packedInfo = info(checkpoint, weight, weight);
        if (packedInfo.byteLength() != (n + 1) / 2) {
            throw BnbQuantState.bad(weight, "it holds " + packedInfo.byteLength() + " bytes, but its quant_state shape "
                    + Arrays.toString(state.shape()) + " needs " + (n + 1) / 2 + " bytes of packed codes");
        }
        ByteArray packed = ByteArray.wrap(checkpoint.data(weight));
        float[] quantMap = floats(require(checkpoint, weight, weight + ".quant_map", Dtype.F32, 16), 16);
        if (!Arrays.equals(quantMap, keyType.code())) {
            throw BnbQuantState.bad(weight, "its quant_map is not bitsandbytes' " + keyType.bnbName() + " table "
                    + "(its CUDA kernels would ignore it and use their own)");
        }
        Absmax absmax;
        if (state.nested()) {
            MemorySegment codes = require(checkpoint, weight, weight + ".absmax", Dtype.U8, blocks);
            long nestedBlocks = (blocks + Absmax.NESTED_BLOCK_SIZE - 1) / Absmax.NESTED_BLOCK_SIZE;
            float[] nested = floats(require(checkpoint, weight, weight + ".nested_absmax", Dtype.F32, nestedBlocks),
                    (int) nestedBlocks);
            float[] nestedCode = floats(require(checkpoint, weight, weight + ".nested_quant_map", Dtype.F32, 256), 256);
            absmax = new Absmax.Nested(ByteArray.fromArray(codes.toArray(ValueLayout.JAVA_BYTE)),
                    FloatArray.fromArray(nested), FloatArray.fromArray(nestedCode), state.nestedOffset());
        } else {
            if (checkpoint.contains(weight + ".nested_absmax")) {
                throw BnbQuantState.bad(weight, "it has nested_absmax but its quant_state has no nested_offset");
            }
            absmax = new Absmax.Plain(FloatArray.fromArray(
                    floats(require(checkpoint, weight, weight + ".absmax", Dtype.F32, blocks), (int) blocks)));
        }
        return new FourBitTensor(keyType, state.blocksize(), state.shape(), state.dtype(), packed, absmax);
    }

    private static Int8Tensor readInt8(SafetensorsCheckpoint checkpoint, String weight) {
        TensorInfo info = checkpoint.info(weight);
        if (info.rank() != 2) {
            throw BnbQuantState.bad(weight, "an int8 weight must be 2-D, it is " + info.shapeText());
        }
        long rows = info.dim(0);
        long cols = info.dim(1);
        float[] scb = floats(require(checkpoint, weight, prefix(weight) + ".SCB", Dtype.F32, rows), (int) rows);
        String format = prefix(weight) + ".weight_format";
        if (checkpoint.contains(format)) {
            MemorySegment value = require(checkpoint, weight, format, Dtype.U8, 1);
            if (value.get(ValueLayout.JAVA_BYTE, 0) != 0) {
                throw BnbQuantState.bad(weight, format + " is " + value.get(ValueLayout.JAVA_BYTE, 0)
                        + ", a tiled layout; only 0 (\"row\") is read, as by current bitsandbytes");
            }
        }
        ByteArray codes = ByteArray.wrap(checkpoint.data(weight));
        return new Int8Tensor(rows, cols, codes, FloatArray.fromArray(scb));
    }

    /** The data of {@code key}, checked to be {@code dtype} with {@code count} elements (any if negative). */
    private static MemorySegment require(SafetensorsCheckpoint checkpoint, String weight, String key, Dtype dtype,
                                         long count) {
        TensorInfo info = info(checkpoint, weight, key);
        if (info.dtype() != dtype || count >= 0 && info.elementCount() != count) {
            throw BnbQuantState.bad(weight, key + " is " + info.dtype() + " " + info.shapeText() + ", expected "
                    + dtype + (count >= 0 ? " with " + count + " elements" : ""));
        }
        return checkpoint.data(key);
    }

    private static TensorInfo info(SafetensorsCheckpoint checkpoint, String weight, String key) {
        if (!checkpoint.contains(key)) {
            throw BnbQuantState.bad(weight, "the checkpoint has no " + key);
        }
        return checkpoint.info(key);
    }

    private static float[] floats(MemorySegment data, int count) {
        float[] values = new float[count];
        MemorySegment.copy(data, F32, 0, values, 0, count);
        return values;
    }

    /** "model.layers.0.mlp.up_proj" for "model.layers.0.mlp.up_proj.weight". */
    static String prefix(String weight) {
        return weight.endsWith(".weight") ? weight.substring(0, weight.length() - ".weight".length()) : weight;
    }
}
