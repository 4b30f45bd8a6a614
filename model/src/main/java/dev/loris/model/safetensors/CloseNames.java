package dev.loris.model.safetensors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Suggestions for a tensor name that is not there: the few known names nearest by edit distance, so that
 * "model.layers.0.self_attn.q_proj.weight" asked of a file that spells it "model.layers.0.attn.q_proj.weight"
 * points the user at the right key. Distances are computed in full; checkpoints hold at most a few thousand
 * names of under a hundred characters, so this costs milliseconds, and only on the error path.
 */
final class CloseNames {
    private static final int SUGGESTIONS = 3;

    private CloseNames() {}

    /** " (closest: 'a', 'b', 'c')", or " (there are no tensors at all)" when there are none. */
    static String suggest(String wanted, Collection<String> known) {
        if (known.isEmpty()) {
            return " (there are no tensors at all)";
        }
        record Scored(String name, int distance) {}
        List<Scored> scored = new ArrayList<>(known.size());
        for (String name : known) {
            scored.add(new Scored(name, distance(wanted, name)));
        }
        scored.sort(Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
        StringBuilder out = new StringBuilder(" (closest: ");
        for (int i = 0; i < Math.min(SUGGESTIONS, scored.size()); i++) {
            out.append(i == 0 ? "'" : ", '").append(scored.get(i).name()).append('\'');
        }
        return out.append(')').toString();
    }

    /** Levenshtein distance with two rows. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
