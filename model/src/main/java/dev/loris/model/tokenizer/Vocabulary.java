package dev.loris.model.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Token ↔ id over the model vocabulary and the added tokens of tokenizer.json, as the tokenizers
 * library resolves them: an added token's content wins over a model entry of the same text, and the
 * size counts every distinct id (what {@code len(tokenizer)} and
 * {@code get_vocab_size(with_added_tokens=True)} report). Ids with no token (holes) map to nothing.
 */
final class Vocabulary {
    private final Map<String, Integer> tokenToId;
    private final Map<Integer, String> idToToken; // a map, not an array: ids may be sparse (they lie below 2^24)
    private final BitSet special;
    private final List<TokenizerJson.AddedToken> addedTokens;
    private final int size;

    Vocabulary(TokenizerJson json) {
        Map<String, Integer> byToken = new HashMap<>(json.vocab());
        Map<Integer, String> byId = new HashMap<>();
        json.vocab().forEach((token, id) -> byId.put(id, token));
        special = new BitSet();
        for (TokenizerJson.AddedToken added : json.addedTokens()) {
            byToken.put(added.content(), added.id());
            byId.put(added.id(), added.content());
            if (added.special()) {
                special.set(added.id());
            }
        }
        this.tokenToId = Map.copyOf(byToken);
        this.idToToken = Map.copyOf(byId);
        this.addedTokens = List.copyOf(new ArrayList<>(json.addedTokens()));
        this.size = byId.size();
    }

    OptionalInt tokenToId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    Optional<String> idToToken(int id) {
        return Optional.ofNullable(idToToken.get(id));
    }

    /** Whether some token (model or added) has this id. */
    boolean hasId(long id) {
        return id >= 0 && id <= Integer.MAX_VALUE && idToToken.containsKey((int) id);
    }

    boolean isSpecial(int id) {
        return id >= 0 && special.get(id);
    }

    int size() {
        return size;
    }

    /** The added tokens of tokenizer.json, in file order. */
    List<TokenizerJson.AddedToken> addedTokens() {
        return addedTokens;
    }
}
