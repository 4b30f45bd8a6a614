package dev.loris.model.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses and checks the header of a safetensors file: {@code u64 N} little-endian, N bytes of UTF-8 JSON, then
 * the data area. Every rule the reference Rust crate enforces is enforced here, and some it lets pass:
 *
 * <ul>
 *   <li>N at most 100,000,000 (the crate's limit) and 8 + N within the file;</li>
 *   <li>at most {@link #MAX_TENSORS} tensors and {@link #MAX_RANK} dimensions per shape (safetensors-cpp's
 *       rank limit; the crate has none, and a 100 MB header of 1.7M tensors or 50M dimensions cost 2.5 GB of
 *       heap as a JSON tree). A streaming pass checks both before anything is built, and the entries are then
 *       read one at a time, never the whole header as one tree;</li>
 *   <li>the header is strict UTF-8, starts with '{', is one JSON object with no duplicate keys and nothing but
 *       whitespace after it (the crate accepts duplicates and a leading space; the format's README forbids
 *       both);</li>
 *   <li>{@code __metadata__} is optional and maps strings to strings only;</li>
 *   <li>every other entry has exactly {@code dtype}, {@code shape}, {@code data_offsets} (the crate ignores
 *       extra fields); shapes and offsets are non-negative integers; the shape's element count times the
 *       dtype's size equals END - BEGIN, computed without overflow;</li>
 *   <li>sorted by offset, the tensors cover the data area exactly: the first starts at 0, each starts where
 *       the previous ends (no overlap, no hole), and the last ends at the end of the file. This is the
 *       crate's and the format README's anti-polyglot rule; it implies that no two ranges overlap.</li>
 * </ul>
 *
 * Failures are {@link SafetensorsException}s naming the file and, where one is at fault, the tensor.
 */
final class SafetensorsHeader {
    /** The reference crate's limit on N: a larger header is taken as a damaged or foreign file. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";
    /** Far above any released file (a whole MoE model in one file has some 20,000 tensors). */
    static final int MAX_TENSORS = 1 << 17;
    /** safetensors-cpp's limit; released checkpoints have at most 5 dimensions. */
    static final int MAX_RANK = 8;

    private static final String REDOWNLOAD = "download the file again; if a program wrote it, that program "
            + "does not follow the safetensors format";
    private static final Set<String> TENSOR_FIELDS = Set.of("dtype", "shape", "data_offsets");
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_HEADER_BYTES).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .build();

    /** A checked header: metadata in header order, tensors in file (offset) order, where the data begins. */
    record Parsed(Map<String, String> metadata, List<TensorInfo> tensors, long dataStart) {}

    private SafetensorsHeader() {}

    /** Parses the header of {@code file}, whose whole content is {@code content}. */
    static Parsed parse(Path file, MemorySegment content) {
        long fileSize = content.byteSize();
        if (fileSize < 8) {
            throw new SafetensorsException(file, "the file is truncated: " + fileSize
                    + " bytes, fewer than the 8 that hold the header length", REDOWNLOAD);
        }
        long headerLength = content.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
            throw new SafetensorsException(file, "the header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes", "this is not a safetensors "
                    + "file or its first 8 bytes are damaged; " + REDOWNLOAD);
        }
        if (8 + headerLength > fileSize) {
            throw new SafetensorsException(file, "the file is truncated: " + fileSize + " of at least "
                    + (8 + headerLength) + " bytes (its header alone is " + headerLength + " bytes)", REDOWNLOAD);
        }
        byte[] headerBytes = content.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        String header = decodeUtf8(file, headerBytes);
        checkStart(file, header);
        checkBounds(file, header);
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        long dataStart = 8 + headerLength;
        try (JsonParser p = JSON.createParser(header)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                JsonNode value = p.readValueAsTree(); // one entry, bounded by checkBounds
                if (name.equals(METADATA_KEY)) {
                    metadata = metadata(file, value);
                } else {
                    tensors.add(tensor(file, name, value, dataStart));
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new SafetensorsException(file, null, "the header is not valid JSON: it does not end after its"
                        + " object" + at(p.currentTokenLocation()), REDOWNLOAD, null);
            }
        } catch (JsonProcessingException e) {
            throw notJson(file, e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading a string cannot fail", e);
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::fileOffset).thenComparingLong(TensorInfo::byteLength));
        checkCoverage(file, tensors, dataStart, fileSize);
        return new Parsed(metadata, Collections.unmodifiableList(tensors), dataStart);
    }

    private static String decodeUtf8(Path file, byte[] headerBytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, null, "the header is not valid UTF-8", REDOWNLOAD, e);
        }
    }

    private static void checkStart(Path file, String header) {
        if (!header.startsWith("{")) {
            String start = header.substring(0, Math.min(16, header.length()));
            throw new SafetensorsException(file, "the header does not start with '{' but with \""
                    + printable(start) + "\"", "this is not a safetensors file; " + REDOWNLOAD);
        }
    }

    private static SafetensorsException notJson(Path file, JsonProcessingException e) {
        return new SafetensorsException(file, null, "the header is not valid JSON: " + e.getOriginalMessage()
                + at(e.getLocation()), REDOWNLOAD, e);
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " (at character " + (location.getCharOffset() + 1) + " of the header)";
    }

    /**
     * A first, streaming pass that builds nothing: at most MAX_TENSORS entries, and no array within an entry
     * longer than MAX_RANK (shape and data_offsets are the only arrays a valid header has). Syntax errors are
     * left to the second pass, which reports them.
     */
    private static void checkBounds(Path file, String header) {
        try (JsonParser p = JSON.createParser(header)) {
            p.nextToken();
            int entries = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (!name.equals(METADATA_KEY) && ++entries > MAX_TENSORS) {
                    throw new SafetensorsException(file, "the header lists more than " + MAX_TENSORS + " tensors",
                            "no released checkpoint has this many in one file; " + REDOWNLOAD);
                }
                p.nextToken();
                checkArrays(file, name, p);
            }
        } catch (JsonProcessingException e) {
            // reported by the second pass, with the same parser's message
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading a string cannot fail", e);
        }
    }

    /** Walks the value at the parser, refusing an array of more than MAX_RANK elements. */
    private static void checkArrays(Path file, String name, JsonParser p) throws java.io.IOException {
        java.util.ArrayDeque<int[]> open = new java.util.ArrayDeque<>(); // element counts of the open arrays
        int depth = 0;
        JsonToken token = p.currentToken();
        do {
            if (!open.isEmpty() && depth == open.size() && token != JsonToken.END_ARRAY && token != JsonToken.END_OBJECT
                    && token != JsonToken.FIELD_NAME && ++open.peek()[0] > MAX_RANK) {
                throw new SafetensorsException(file, name, "an array of the entry holds more than " + MAX_RANK
                        + " values (shapes have at most " + MAX_RANK + " dimensions)", REDOWNLOAD);
            }
            if (token == JsonToken.START_ARRAY) {
                open.push(new int[1]);
                depth++;
            } else if (token == JsonToken.START_OBJECT) {
                open.push(new int[] {Integer.MIN_VALUE}); // objects' fields are not counted
                depth++;
            } else if (token == JsonToken.END_ARRAY || token == JsonToken.END_OBJECT) {
                open.pop();
                depth--;
            }
            if (depth == 0) {
                return;
            }
            token = p.nextToken();
        } while (token != null);
    }

    private static Map<String, String> metadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw new SafetensorsException(file, "__metadata__ must be an object of strings, not "
                    + kind(node), REDOWNLOAD);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new SafetensorsException(file, "__metadata__ must map strings to strings, but '"
                        + entry.getKey() + "' is " + kind(entry.getValue()), REDOWNLOAD);
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo tensor(Path file, String name, JsonNode node, long dataStart) {
        if (!node.isObject()) {
            throw new SafetensorsException(file, name, "the entry must be an object with dtype, shape and "
                    + "data_offsets, not " + kind(node), REDOWNLOAD);
        }
        for (String field : TENSOR_FIELDS) {
            if (!node.has(field)) {
                throw new SafetensorsException(file, name, "the entry has no '" + field + "'", REDOWNLOAD);
            }
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!TENSOR_FIELDS.contains(field.getKey())) {
                throw new SafetensorsException(file, name, "the entry has an unknown field '" + field.getKey()
                        + "' (only dtype, shape and data_offsets are allowed)", REDOWNLOAD);
            }
        }
        Dtype dtype = dtype(file, name, node.get("dtype"));
        long[] shape = naturals(file, name, "shape", node.get("shape"));
        long[] offsets = naturals(file, name, "data_offsets", node.get("data_offsets"));
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw new SafetensorsException(file, name, "data_offsets must be [BEGIN, END] with BEGIN <= END, not "
                    + Arrays.toString(offsets), REDOWNLOAD);
        }
        long byteLength = offsets[1] - offsets[0];
        long expected = byteCount(file, name, dtype, shape);
        if (expected != byteLength) {
            throw new SafetensorsException(file, name, "shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + expected + " bytes but data_offsets " + Arrays.toString(offsets)
                    + " hold " + byteLength, REDOWNLOAD);
        }
        if (offsets[1] > Long.MAX_VALUE - dataStart) {
            throw new SafetensorsException(file, name, "data_offsets " + Arrays.toString(offsets)
                    + " lie beyond any possible file size", REDOWNLOAD);
        }
        return new TensorInfo(name, dtype, shape, dataStart + offsets[0], byteLength);
    }

    private static Dtype dtype(Path file, String name, JsonNode node) {
        if (!node.isTextual()) {
            throw new SafetensorsException(file, name, "dtype must be a string, not " + kind(node), REDOWNLOAD);
        }
        Dtype dtype = Dtype.fromHeaderName(node.textValue());
        if (dtype == null) {
            throw new SafetensorsException(file, name, "unknown or unsupported dtype '" + printable(node.textValue())
                    + "'", "Loris reads " + Dtype.supportedNames() + "; convert the checkpoint to one of them");
        }
        return dtype;
    }

    /** A JSON array of non-negative integers that fit in a long. */
    private static long[] naturals(Path file, String name, String field, JsonNode node) {
        if (!node.isArray()) {
            throw new SafetensorsException(file, name, field + " must be an array of integers, not "
                    + kind(node), REDOWNLOAD);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode element = node.get(i);
            if (!element.isIntegralNumber() || !element.canConvertToLong() || element.longValue() < 0) {
                throw new SafetensorsException(file, name, field + " must hold non-negative integers, but "
                        + "element " + i + " is " + element, REDOWNLOAD);
            }
            values[i] = element.longValue();
        }
        return values;
    }

    private static long byteCount(Path file, String name, Dtype dtype, long[] shape) {
        try {
            long count = dtype.byteSize();
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            return count;
        } catch (ArithmeticException overflow) {
            throw new SafetensorsException(file, name, "shape " + Arrays.toString(shape) + " of " + dtype
                    + " has more bytes than a 64-bit size can count", REDOWNLOAD);
        }
    }

    /** The tensors, in offset order, must tile [dataStart, fileSize) exactly. */
    private static void checkCoverage(Path file, List<TensorInfo> tensors, long dataStart, long fileSize) {
        long dataSize = fileSize - dataStart;
        for (TensorInfo tensor : tensors) {
            long end = tensor.fileOffset() + tensor.byteLength();
            if (end > fileSize) {
                long describedSize = tensors.stream()
                        .mapToLong(t -> t.fileOffset() + t.byteLength()).max().orElseThrow();
                throw new SafetensorsException(file, tensor.name(), "data_offsets " + range(tensor, dataStart)
                        + " reach past the end of the data area (" + dataSize + " bytes): the file is truncated: "
                        + fileSize + " of " + describedSize + " bytes", REDOWNLOAD);
            }
        }
        long expectedStart = dataStart;
        TensorInfo previous = null;
        for (TensorInfo tensor : tensors) {
            if (tensor.fileOffset() < expectedStart) {
                throw new SafetensorsException(file, tensor.name(), "data_offsets " + range(tensor, dataStart)
                        + " overlap tensor '" + previous.name() + "' at " + range(previous, dataStart), REDOWNLOAD);
            }
            if (tensor.fileOffset() > expectedStart) {
                String after = previous == null ? "before it" : "between '" + previous.name() + "' and it";
                throw new SafetensorsException(file, tensor.name(), "bytes [" + (expectedStart - dataStart) + ", "
                        + (tensor.fileOffset() - dataStart) + ") of the data area, " + after
                        + ", belong to no tensor (the format allows no holes)", REDOWNLOAD);
            }
            expectedStart = tensor.fileOffset() + tensor.byteLength();
            previous = tensor;
        }
        if (expectedStart < fileSize) {
            throw new SafetensorsException(file, (fileSize - expectedStart) + " bytes after the last tensor belong "
                    + "to no tensor (the data area is " + dataSize + " bytes, the tensors cover "
                    + (expectedStart - dataStart) + ")", "the file was appended to or is not a safetensors file; "
                    + REDOWNLOAD);
        }
    }

    private static String range(TensorInfo tensor, long dataStart) {
        long begin = tensor.fileOffset() - dataStart;
        return "[" + begin + ", " + (begin + tensor.byteLength()) + ")";
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + abbreviate(node.toString());
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    /** Control characters shown as escapes, so a binary header does not garble the terminal. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(40).forEach(c -> {
            if (c < 0x20 || c == 0x7F) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
