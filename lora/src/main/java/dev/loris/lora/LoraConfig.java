package dev.loris.lora;

import dev.loris.LorisException;

import java.util.List;
import java.util.Set;

/**
 * What a LoRA adapter is: rank r, alpha (scaling alpha / r, or alpha / sqrt(r) with rsLoRA), dropout on the
 * adapter's input (0 by default), the projections it adapts ({@code q_proj} ... {@code down_proj}, Phi-3's fused
 * {@code qkv_proj} and {@code gate_up_proj}, or {@code all-linear} for every one a model has: {@link
 * LoraAdapter#attach} keeps the names the model's projections answer to, as PEFT does), the modules trained in full beside it ({@code embed_tokens},
 * {@code lm_head}: PEFT's modules_to_save, for continued pretraining), and the seed of its initialisation.
 * bias is always PEFT's "none".
 */
public record LoraConfig(int rank, double alpha, boolean rsLora, double dropout, List<String> targetModules,
                         List<String> modulesToSave, long seed) {
    /** The seven projections of a Llama-family layer, as checkpoints and PEFT name them. */
    public static final List<String> PROJECTIONS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");
    /** Phi-3's four: q, k, v fused in qkv_proj, gate and up in gate_up_proj, as its checkpoints and PEFT name them. */
    public static final List<String> FUSED_PROJECTIONS = List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj");
    /** Every projection name a target may be, in layer order; what all-linear stands for before a model narrows it. */
    public static final List<String> ALL_PROJECTIONS = List.of("q_proj", "k_proj", "v_proj", "qkv_proj", "o_proj",
            "gate_proj", "up_proj", "gate_up_proj", "down_proj");
    /** The modules that can be trained in full beside the adapter. */
    public static final Set<String> SAVABLE_MODULES = Set.of("embed_tokens", "lm_head");

    public LoraConfig {
        if (rank < 1) {
            throw new LorisException("LoRA rank " + rank + " is not a rank", "give --lora-r 1 or more (8-64 is usual)");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new LorisException("LoRA dropout " + dropout + " is outside [0, 1)", "give --lora-dropout between 0"
                    + " (none, the default) and 0.5");
        }
        if (!Double.isFinite(alpha)) {
            throw new LorisException("LoRA alpha " + alpha + " is not a number", "give --lora-alpha, e.g. the rank");
        }
        targetModules = targets(targetModules);
        modulesToSave = List.copyOf(modulesToSave);
        for (String module : modulesToSave) {
            if (!SAVABLE_MODULES.contains(module)) {
                throw new LorisException("modules_to_save names '" + module + "', which Loris cannot train in full",
                        "use embed_tokens and/or lm_head");
            }
        }
    }

    /**
     * r = alpha = 16 on every projection (the seven of Llama's layer, Phi-3's four fused), no dropout, no rsLoRA:
     * Unsloth's usual choice.
     */
    public static LoraConfig defaults() {
        return new LoraConfig(16, 16, false, 0, ALL_PROJECTIONS, List.of(), 3407);
    }

    /** The factor of the adapter's product: alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public double scaling() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /** Whether the projection {@code moduleName} (a checkpoint name ending in e.g. {@code .q_proj}) is adapted. */
    public boolean targets(String moduleName) {
        return targetModules.contains(moduleName.substring(moduleName.lastIndexOf('.') + 1));
    }

    public LoraConfig withRank(int newRank, double newAlpha) {
        return new LoraConfig(newRank, newAlpha, rsLora, dropout, targetModules, modulesToSave, seed);
    }

    public LoraConfig withDropout(double newDropout) {
        return new LoraConfig(rank, alpha, rsLora, newDropout, targetModules, modulesToSave, seed);
    }

    public LoraConfig withRsLora(boolean newRsLora) {
        return new LoraConfig(rank, alpha, newRsLora, dropout, targetModules, modulesToSave, seed);
    }

    public LoraConfig withTargets(List<String> newTargets) {
        return new LoraConfig(rank, alpha, rsLora, dropout, newTargets, modulesToSave, seed);
    }

    public LoraConfig withModulesToSave(List<String> newModules) {
        return new LoraConfig(rank, alpha, rsLora, dropout, targetModules, newModules, seed);
    }

    public LoraConfig withSeed(long newSeed) {
        return new LoraConfig(rank, alpha, rsLora, dropout, targetModules, modulesToSave, newSeed);
    }

    private static List<String> targets(List<String> given) {
        if (given.size() == 1 && given.getFirst().equals("all-linear")) {
            return ALL_PROJECTIONS;
        }
        if (given.isEmpty()) {
            throw new LorisException("LoRA has no target module", "name projections to adapt, e.g. --lora-targets"
                    + " q_proj,v_proj, or all-linear");
        }
        for (String module : given) {
            if (!ALL_PROJECTIONS.contains(module)) {
                throw new LorisException("LoRA target module '" + module + "' is not a projection Loris adapts",
                        "choose among " + String.join(", ", PROJECTIONS) + " (Phi-3: "
                                + String.join(", ", FUSED_PROJECTIONS) + "), or all-linear");
            }
        }
        return ALL_PROJECTIONS.stream().filter(given::contains).toList();
    }
}
