package dev.loris.quant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The non-tensor fields of a bitsandbytes 4-bit QuantState as saved checkpoints carry them: the uint8 tensor
 * {@code <w>.quant_state.bitsandbytes__nf4} (or {@code __fp4}) holding {@code json.dumps} of quant_type,
 * blocksize, dtype, shape and, when double-quantised, nested_blocksize, nested_dtype, nested_offset, in that
 * order (QuantState.as_dict(packed=True), utils.pack_dict_to_tensor). {@link #json} writes exactly what
 * Python writes (", " and ": " separators, floats as repr), so our files match bitsandbytes' byte for byte.
 *
 * @param nestedOffset the double quantisation offset; NaN when not nested
 */
public record BnbQuantState(FourBitType type, int blocksize, String dtype, long[] shape, boolean nested,
                            float nestedOffset) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public BnbQuantState {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The quant_state of {@code tensor}. */
    static BnbQuantState of(FourBitTensor tensor) {
        boolean nested = tensor.absmax() instanceof Absmax.Nested;
        float offset = nested ? ((Absmax.Nested) tensor.absmax()).offset() : Float.NaN;
        return new BnbQuantState(tensor.type(), tensor.blocksize(), tensor.dtype(), tensor.shape(), nested, offset);
    }

    /** The tensor name suffix after {@code <w>.}: "quant_state.bitsandbytes__nf4". */
    public String keySuffix() {
        return "quant_state.bitsandbytes__" + type.bnbName();
    }

    /** json.dumps of the fields, as bitsandbytes packs them. */
    public String json() {
        StringBuilder s = new StringBuilder("{\"quant_type\": \"").append(type.bnbName())
                .append("\", \"blocksize\": ").append(blocksize)
                .append(", \"dtype\": \"").append(dtype).append("\", \"shape\": [");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        s.append(']');
        if (nested) {
            s.append(", \"nested_blocksize\": ").append(Absmax.NESTED_BLOCK_SIZE)
                    .append(", \"nested_dtype\": \"float32\", \"nested_offset\": ").append(pythonRepr(nestedOffset));
        }
        return s.append('}').toString();
    }

    /**
     * Parses the packed quant_state bytes of tensor {@code weight}; {@code keyType} is the type its key names
     * (bitsandbytes__nf4 or __fp4), which must agree with the JSON.
     */
    static BnbQuantState parse(byte[] utf8, String weight, FourBitType keyType) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(utf8, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw bad(weight, "its quant_state is not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw bad(weight, "its quant_state is not a JSON object");
        }
        FourBitType type = FourBitType.fromBnbName(text(root, "quant_type", weight), weight);
        if (type != keyType) {
            throw bad(weight, "its quant_state key says " + keyType.bnbName() + " but its JSON says " + type.bnbName());
        }
        int blocksize = (int) integer(root, "blocksize", weight);
        QuantScheme.requireBlocksize(blocksize, "tensor " + weight);
        JsonNode shapeNode = root.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.isEmpty()) {
            throw bad(weight, "its quant_state has no shape");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!shapeNode.get(i).canConvertToLong() || shapeNode.get(i).asLong() < 0) {
                throw bad(weight, "its quant_state shape " + shapeNode + " is not a list of sizes");
            }
            shape[i] = shapeNode.get(i).asLong();
        }
        String dtype = text(root, "dtype", weight);
        boolean nested = root.has("nested_offset") || root.has("nested_blocksize");
        float offset = Float.NaN;
        if (nested) {
            if (integer(root, "nested_blocksize", weight) != Absmax.NESTED_BLOCK_SIZE) {
                throw bad(weight, "its nested_blocksize is " + root.get("nested_blocksize")
                        + "; bitsandbytes double-quantises in blocks of 256");
            }
            if (!"float32".equals(text(root, "nested_dtype", weight))) {
                throw bad(weight, "its nested_dtype is " + root.get("nested_dtype") + ", not float32");
            }
            JsonNode offsetNode = root.get("nested_offset");
            if (offsetNode == null || !offsetNode.isNumber()) {
                throw bad(weight, "its quant_state has no numeric nested_offset");
            }
            offset = (float) offsetNode.asDouble();
        }
        return new BnbQuantState(type, blocksize, dtype, shape, nested, offset);
    }

    private static String text(JsonNode root, String field, String weight) {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual()) {
            throw bad(weight, "its quant_state has no text field " + field);
        }
        return node.asText();
    }

    private static long integer(JsonNode root, String field, String weight) {
        JsonNode node = root.get(field);
        if (node == null || !node.canConvertToLong()) {
            throw bad(weight, "its quant_state has no integer field " + field);
        }
        return node.asLong();
    }

    static LorisException bad(String weight, String problem) {
        return new LorisException("cannot read the bitsandbytes 4-bit tensor " + weight + ": " + problem,
                "the checkpoint is damaged or was written by an incompatible tool: download it again, or load the "
                        + "16-bit model and quantise it while loading");
    }

    /** Python's repr of the float32 value widened to double (what {@code tensor.item()} then json.dumps gives). */
    static String pythonRepr(float value) {
        double d = value;
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0 ? "-" : "") + "0.0";
        }
        // Java's Double.toString and Python's repr both give the shortest digits that round-trip (JDK 19+).
        BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int exponent = digits.length() - 1 - shortest.scale(); // value = d.ddd * 10^exponent
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = shortest.toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BnbQuantState s && type == s.type && blocksize == s.blocksize
                && dtype.equals(s.dtype) && Arrays.equals(shape, s.shape) && nested == s.nested
                && Float.floatToIntBits(nestedOffset) == Float.floatToIntBits(s.nestedOffset);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + blocksize;
    }
}
