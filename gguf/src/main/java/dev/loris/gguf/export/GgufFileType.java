package dev.loris.gguf.export;

import dev.loris.gguf.GgmlType;
import dev.loris.gguf.GgufException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What {@code loris export --quant} offers: the llama_ftype written as {@code general.file_type} and the ggml
 * type most weights get ({@link QuantMix} decides per tensor, as llama-quantize does).
 */
public enum GgufFileType {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    BF16(32, GgmlType.BF16),
    Q8_0(7, GgmlType.Q8_0),
    Q4_0(2, GgmlType.Q4_0),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K);

    private final int ftype;
    private final GgmlType defaultType;

    GgufFileType(int ftype, GgmlType defaultType) {
        this.ftype = ftype;
        this.defaultType = defaultType;
    }

    /** llama_ftype, the value of general.file_type. */
    public int ftype() {
        return ftype;
    }

    public GgmlType defaultType() {
        return defaultType;
    }

    /** The name as the command line spells it ("q4_k_m"). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static GgufFileType parse(String text) {
        for (GgufFileType type : values()) {
            if (type.cliName().equalsIgnoreCase(text)) {
                return type;
            }
        }
        throw new dev.loris.InvalidSettingException("--quant " + text + " is not a GGUF type Loris writes",
                "use one of " + Arrays.stream(values()).map(GgufFileType::cliName).collect(Collectors.joining(", ")));
    }
}
