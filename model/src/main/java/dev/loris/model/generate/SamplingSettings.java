package dev.loris.model.generate;

import dev.loris.InvalidSettingException;

/**
 * How the next token is picked from the logits, with transformers' meanings and defaults: greedy when
 * {@code temperature} is 0 (transformers' do_sample=False); otherwise the logits go through repetition
 * penalty, temperature, top-k and top-p in that order (transformers' processor order) and a token is drawn
 * from the softmax. {@code topK} 0 and {@code topP} 1 switch those filters off; {@code repetitionPenalty} 1
 * switches the penalty off (it applies to greedy decoding too, as in transformers).
 *
 * @param temperature       0 for greedy; otherwise logits are divided by it
 * @param topK              keep the k highest logits (ties with the k-th kept); 0 = all
 * @param topP              keep the smallest set of most probable tokens whose probability reaches top_p
 * @param repetitionPenalty > 1 discourages tokens already in the prompt or output (divides a positive
 *                          logit, multiplies a negative one)
 * @param seed              seeds the draws, so a run can be repeated
 */
public record SamplingSettings(float temperature, int topK, float topP, float repetitionPenalty, long seed) {

    public static final SamplingSettings GREEDY = new SamplingSettings(0f, 0, 1f, 1f, 0L);

    public SamplingSettings {
        require(temperature >= 0 && Float.isFinite(temperature), "temperature", temperature + " (use 0 for greedy)");
        require(topK >= 0, "top-k", topK + " (use 0 to keep every token)");
        require(topP > 0 && topP <= 1, "top-p", topP + " (it must be in (0, 1]; 1 keeps every token)");
        require(repetitionPenalty > 0 && Float.isFinite(repetitionPenalty), "repetition penalty",
                repetitionPenalty + " (1 means none)");
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    private static void require(boolean ok, String setting, String value) {
        if (!ok) {
            throw new InvalidSettingException("invalid " + setting + ": " + value, "fix the " + setting + " setting");
        }
    }
}
