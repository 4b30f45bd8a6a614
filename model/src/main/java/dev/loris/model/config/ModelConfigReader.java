package dev.loris.model.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.loris.model.SmallTextFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Parses config.json into a {@link ModelConfig}, applying transformers' per-family defaults
 * ({@link Architecture}) and refusing what Loris would get wrong: an unknown model_type, activations
 * other than SiLU, MLP biases, RoPE types other than default / linear / llama3 / longrope, partial rotary factors
 * outside Phi-3.
 *
 * <p>The shape keys (vocab_size, hidden_size, intermediate_size, num_hidden_layers,
 * num_attention_heads) are required although transformers has class defaults for them: a config.json
 * without them is broken, and a 4096-wide default would only fail later with a confusing tensor shape.
 */
public final class ModelConfigReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SILU_NAMES = Set.of("silu", "swish");
    private static final double DEFAULT_RMS_NORM_EPS = 1e-6;
    /** The largest config.json read (released ones are a few KB, multimodal ones under 100 KB). */
    static final long MAX_FILE_BYTES = 16L << 20;
    /*
     * Upper bounds of the shape keys, far above every released model (hidden 16,384 and vocabulary 262,144 at
     * most), chosen so that every count derived from them (parameters, bytes at f32, KV-cache bytes) fits a
     * long: a config.json beyond them is damaged or hostile, and is refused here rather than overflowing later.
     */
    static final int MAX_HIDDEN = 1 << 18;
    static final int MAX_INTERMEDIATE = 1 << 20;
    static final int MAX_VOCAB = 1 << 24;
    static final int MAX_LAYERS = 1 << 12;
    static final int MAX_HEADS = 1 << 12;
    static final int MAX_HEAD_DIM = 1 << 12;
    static final int MAX_POSITIONS = 1 << 27;

    private ModelConfigReader() {
    }

    /** Reads {@code config.json} from a model folder, or the given file. */
    public static ModelConfig read(Path folderOrFile) {
        Path file = Files.isDirectory(folderOrFile) ? folderOrFile.resolve("config.json") : folderOrFile;
        String text = SmallTextFile.readIfExists(file, MAX_FILE_BYTES,
                (problem, hint, cause) -> new ConfigException(file + " " + problem, hint, cause));
        if (text == null) {
            throw new ConfigException(file + " does not exist",
                    "point Loris at a Hugging Face model folder (config.json, *.safetensors, tokenizer.json)");
        }
        return parse(text, file.toString());
    }

    /** Parses the text of a config.json; {@code source} names it in error messages. */
    public static ModelConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new ConfigException(source + " is not valid JSON: " + e.getOriginalMessage(),
                    "re-download the file; it may be truncated", e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(source + " does not hold a JSON object", "re-download the file");
        }
        return build(new ConfigJson(root, source));
    }

    private static ModelConfig build(ConfigJson outer) {
        ConfigJson json = GemmaConfigReader.textConfig(outer);
        Architecture architecture = json == outer ? architecture(json) : Architecture.GEMMA3_TEXT;
        int vocab = bounded(json, "vocab_size", json.requiredInt("vocab_size"), MAX_VOCAB);
        int hidden = bounded(json, "hidden_size", json.requiredInt("hidden_size"), MAX_HIDDEN);
        int intermediate = bounded(json, "intermediate_size", json.requiredInt("intermediate_size"), MAX_INTERMEDIATE);
        int layers = bounded(json, "num_hidden_layers", json.requiredInt("num_hidden_layers"), MAX_LAYERS);
        int heads = bounded(json, "num_attention_heads", json.requiredInt("num_attention_heads"), MAX_HEADS);
        int keyValueHeads = bounded(json, "num_key_value_heads", keyValueHeads(json, architecture, heads), MAX_HEADS);
        int headDim = bounded(json, "head_dim", headDim(json, architecture, hidden, heads), MAX_HEAD_DIM);
        if (headDim % 2 != 0) {
            throw json.error("head_dim = " + headDim + " is odd; RoPE rotates pairs of values, so it must be even",
                    "check head_dim (or hidden_size / num_attention_heads)");
        }
        if (heads % keyValueHeads != 0) {
            throw json.error("num_attention_heads = " + heads + " is not a multiple of num_key_value_heads = "
                    + keyValueHeads, "grouped-query attention needs whole groups; check both values");
        }
        int maxPositions = bounded(json, "max_position_embeddings",
                json.intOr("max_position_embeddings", architecture.defaultMaxPositionEmbeddings()), MAX_POSITIONS);
        double eps = json.doubleOr("rms_norm_eps", DEFAULT_RMS_NORM_EPS);
        if (!(eps > 0 && eps < 1)) {
            throw json.error("rms_norm_eps = " + eps + " must lie between 0 and 1 (released models use 1e-5 or 1e-6)",
                    "use the value the checkpoint was trained with");
        }
        RopeSettings rope = RopeSettings.read(json, architecture, maxPositions, headDim);
        checkUnsupported(json);
        boolean attentionBias = json.booleanOr("attention_bias", false);
        GemmaSettings gemma = architecture.isGemma() ? GemmaConfigReader.read(json, architecture, layers, rope.theta())
                : null;
        return new ModelConfig(architecture, vocab, hidden, intermediate, layers, heads, keyValueHeads, headDim,
                eps, rope.theta(), rope.scaling(), rope.rotaryDim(), maxPositions,
                outer.booleanOr("tie_word_embeddings", json.booleanOr("tie_word_embeddings",
                        architecture.defaultTieWordEmbeddings())),
                switch (architecture) {
                    case QWEN2 -> true;
                    case MISTRAL -> false;
                    case LLAMA, QWEN3, GEMMA2, GEMMA3_TEXT -> attentionBias;
                    case PHI3 -> false; // Phi3Attention's qkv_proj and o_proj never have biases
                },
                architecture != Architecture.QWEN2 && architecture != Architecture.MISTRAL
                        && architecture != Architecture.PHI3 && attentionBias,
                architecture.isGemma() ? GemmaConfigReader.hiddenActivation(json) : hiddenAct(json),
                json.present("bos_token_id")
                        ? json.optionalInt("bos_token_id") : architecture.defaultBosTokenId(),
                json.present("eos_token_id")
                        ? json.intOrIntList("eos_token_id") : architecture.defaultEosTokenIds(),
                json.present("pad_token_id") ? json.optionalInt("pad_token_id") : architecture.defaultPadTokenId(),
                slidingWindow(json, architecture, layers),
                dtype(json, outer), gemma);
    }

    /** dtype, or the older torch_dtype; a gemma3 checkpoint may state it only outside its text_config. */
    private static String dtype(ConfigJson json, ConfigJson outer) {
        for (ConfigJson object : json == outer ? List.of(json) : List.of(json, outer)) {
            String dtype = object.has("dtype") ? object.stringOr("dtype", null) : object.stringOr("torch_dtype", null);
            if (dtype != null) {
                return dtype;
            }
        }
        return null;
    }

    static Architecture architecture(ConfigJson json) {
        if (!json.has("model_type")) {
            throw json.error("model_type is missing", "Loris supports model_type "
                    + Architecture.supportedModelTypes() + "; is this a transformers config.json?");
        }
        return Architecture.fromModelType(json.stringOr("model_type", null), json.source());
    }

    private static int keyValueHeads(ConfigJson json, Architecture architecture, int heads) {
        if (json.isExplicitNull("num_key_value_heads")) {
            return heads;
        }
        return json.intOr("num_key_value_heads", architecture.defaultKeyValueHeads(heads));
    }

    private static int headDim(ConfigJson json, Architecture architecture, int hidden, int heads) {
        Integer explicit = json.optionalInt("head_dim");
        if (explicit == null && architecture.defaultHeadDim() != null && !json.isExplicitNull("head_dim")) {
            explicit = architecture.defaultHeadDim();
        }
        boolean derived = explicit == null;
        if ((derived || architecture.requiresHiddenDivisibleByHeads()) && hidden % heads != 0) {
            throw json.error("hidden_size = " + hidden + " is not a multiple of num_attention_heads = " + heads,
                    "the head width would not be whole; check both values (or head_dim)");
        }
        return derived ? hidden / heads : explicit;
    }

    private static String hiddenAct(ConfigJson json) {
        String act = json.stringOr("hidden_act", "silu");
        if (!SILU_NAMES.contains(act)) {
            throw json.error("hidden_act = '" + act + "' is not supported",
                    "Loris implements the SwiGLU MLP with SiLU (hidden_act 'silu') only");
        }
        return act;
    }

    private static void checkUnsupported(ConfigJson json) {
        if (json.booleanOr("mlp_bias", false)) {
            throw json.error("mlp_bias = true is not supported",
                    "Loris's MLP (gate, up, down projections) has no biases; no released Llama checkpoint uses them");
        }
    }

    /**
     * The window transformers applies: Mistral's sliding_window (4096 when absent, none when null);
     * Qwen's only with use_sliding_window, and only if some layer is a sliding one (layer_types, or
     * layers from max_window_layers on).
     */
    private static Integer slidingWindow(ConfigJson json, Architecture architecture, int layers) {
        switch (architecture) {
            case MISTRAL -> {
                if (json.isExplicitNull("sliding_window")) {
                    return null;
                }
                return positive(json, "sliding_window", json.intOr("sliding_window", 4096));
            }
            case PHI3 -> { // Phi3Config: none when absent; computed by the attention kernels
                return json.has("sliding_window") ? positive(json, "sliding_window", json.intOr("sliding_window", 0))
                        : null;
            }
            case QWEN2, QWEN3 -> {
                if (!json.booleanOr("use_sliding_window", false) || json.isExplicitNull("sliding_window")) {
                    return null;
                }
                int window = positive(json, "sliding_window", json.intOr("sliding_window", 4096));
                List<String> layerTypes = json.stringList("layer_types");
                boolean anySliding = layerTypes.isEmpty()
                        ? json.intOr("max_window_layers", 28) < layers
                        : layerTypes.contains("sliding_attention");
                return anySliding ? window : null;
            }
            default -> {
                return null;
            }
        }
    }

    /** A positive value of at most {@code max}. */
    static int bounded(ConfigJson json, String key, int value, int max) {
        positive(json, key, value);
        if (value > max) {
            throw json.error(key + " = " + value + " is out of range: at most " + max + " is accepted",
                    "no released model comes near this; the file is damaged or not a model's config.json");
        }
        return value;
    }

    static int positive(ConfigJson json, String key, int value) {
        if (value <= 0) {
            throw json.error(key + " = " + value + " must be positive", "fix the value in config.json");
        }
        return value;
    }

    /**
     * RoPE base, scaling and rotary width from rope_theta / rope_scaling (transformers 4) or rope_parameters (5).
     * {@code rotaryDim} is head_dim but for Phi-3's partial_rotary_factor (rope_parameters' or the config's).
     */
    record RopeSettings(double theta, RopeScaling scaling, int rotaryDim) {
        /**
         * From rope_scaling or rope_parameters; transformers 5's per-layer-type form (Gemma 3:
         * {"full_attention": {...}, "sliding_attention": {...}}) gives the global layers' settings here.
         */
        static RopeSettings read(ConfigJson json, Architecture architecture, int maxPositions, int headDim) {
            double defaultTheta = architecture.defaultRopeTheta();
            ConfigJson params = json.objectOrNull("rope_scaling");
            if (params == null) {
                params = json.objectOrNull("rope_parameters");
            }
            if (params != null && params.has(GemmaConfigReader.FULL_ATTENTION)) {
                params = params.objectOrNull(GemmaConfigReader.FULL_ATTENTION);
            }
            double theta = params != null && params.has("rope_theta")
                    ? params.doubleOr("rope_theta", defaultTheta)
                    : json.doubleOr("rope_theta", defaultTheta);
            if (!(theta > 1 && Double.isFinite(theta))) {
                throw (params != null && params.has("rope_theta") ? params : json).error("rope_theta = " + theta
                        + " must be a finite number above 1 (the base of RoPE's frequencies)", "use the checkpoint's value");
            }
            int rotaryDim = headDim;
            if (architecture.hasFusedProjections()) {
                rotaryDim = rotaryDim(params != null && params.has(PARTIAL_ROTARY) ? params : json, headDim);
            } else {
                checkPartialRotary(json);
                if (params != null) {
                    checkPartialRotary(params);
                }
            }
            RopeScaling scaling = params == null ? null
                    : scaling(json, params, architecture, maxPositions, rotaryDim);
            return new RopeSettings(theta, scaling, rotaryDim);
        }

        private static final String PARTIAL_ROTARY = "partial_rotary_factor";

        /** int(head_dim * partial_rotary_factor), as transformers truncates it; refused unless even and positive. */
        private static int rotaryDim(ConfigJson json, int headDim) {
            double partial = json.doubleOr(PARTIAL_ROTARY, 1.0);
            int dim = (int) (headDim * partial);
            if (!(partial > 0 && partial <= 1) || dim <= 0 || dim % 2 != 0) {
                throw json.error(PARTIAL_ROTARY + " = " + partial + " rotates " + dim + " of head_dim = " + headDim
                                + " values", "RoPE rotates pairs: the factor must lie in (0, 1] and give an even, "
                                + "positive width (released Phi models use 1.0 or 0.75)");
            }
            return dim;
        }

        private static RopeScaling scaling(ConfigJson json, ConfigJson params, Architecture architecture,
                                           int maxPositions, int rotaryDim) {
            String type = params.has("rope_type") ? params.stringOr("rope_type", null)
                    : params.stringOr("type", "default");
            if (architecture.hasFusedProjections() && (type.equals("su") || type.equals("yarn"))) {
                type = "longrope"; // Phi3Config's renaming of the types older Phi-3 checkpoints state
            }
            return switch (type) {
                case "default" -> null;
                case "linear" -> new RopeScaling.Linear(factor(params));
                case "llama3" -> new RopeScaling.Llama3(factor(params),
                        required(params, "low_freq_factor"), required(params, "high_freq_factor"),
                        bounded(params, "original_max_position_embeddings",
                                params.intOr("original_max_position_embeddings", maxPositions), MAX_POSITIONS));
                case "longrope" -> longRope(json, params, architecture, maxPositions, rotaryDim);
                default -> throw params.error("rope_type = '" + type + "' is not supported",
                        "Loris computes RoPE types default, linear, llama3 and longrope; to train within the original "
                                + "context length, remove the rope scaling from config.json");
            };
        }

        /**
         * transformers 5's _compute_longrope_parameters: the original context from rope_parameters, else the
         * config's original_max_position_embeddings (Phi3Config's default 4096), else max_position_embeddings;
         * factor as given, else max / original; attention_factor as given, else sqrt(1 + ln(factor) /
         * ln(original)) when factor > 1, else 1.
         */
        private static RopeScaling.LongRope longRope(ConfigJson json, ConfigJson params, Architecture architecture,
                                                     int maxPositions, int rotaryDim) {
            String key = "original_max_position_embeddings";
            int fallback = json.intOr(key, architecture.hasFusedProjections() ? 4096 : maxPositions);
            int original = bounded(params.has(key) ? params : json, key, params.intOr(key, fallback), MAX_POSITIONS);
            float[] shortFactor = factors(params, "short_factor", rotaryDim);
            float[] longFactor = factors(params, "long_factor", rotaryDim);
            double factor = params.has("factor") ? factor(params) : (double) maxPositions / original;
            double attention = params.has("attention_factor") ? required(params, "attention_factor")
                    : factor <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
            return new RopeScaling.LongRope(shortFactor, longFactor, original, attention);
        }

        private static float[] factors(ConfigJson params, String key, int rotaryDim) {
            float[] values = params.floatListOrNull(key);
            if (values == null) {
                throw params.error(key + " is missing", "longrope needs short_factor and long_factor; compare with "
                        + "the checkpoint's original config.json");
            }
            if (values.length != rotaryDim / 2) {
                throw params.error(key + " has " + values.length + " entries, but the " + rotaryDim
                        + " rotated values of a head make " + rotaryDim / 2 + " pairs", "give one factor per pair");
            }
            for (float value : values) {
                if (!(value > 0 && Float.isFinite(value))) {
                    throw params.error(key + " holds " + value + "; factors must be finite and positive",
                            "use the checkpoint's values");
                }
            }
            return values;
        }

        private static double factor(ConfigJson params) {
            return required(params, "factor");
        }

        private static double required(ConfigJson params, String key) {
            if (!params.has(key)) {
                throw params.error(key + " is missing", "this rope type needs it; compare with the checkpoint's "
                        + "original config.json");
            }
            double value = params.doubleOr(key, Double.NaN);
            if (!(value > 0 && Double.isFinite(value))) {
                throw params.error(key + " = " + value + " must be a finite positive number", "use the checkpoint's value");
            }
            return value;
        }

        private static void checkPartialRotary(ConfigJson json) {
            double partial = json.doubleOr("partial_rotary_factor", 1.0);
            if (partial != 1.0) {
                throw json.error("partial_rotary_factor = " + partial + " is not supported",
                        "Loris rotates the whole head; this family is not one Loris implements");
            }
        }
    }
}
