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
    private final String[] idToToken;
    private final BitSet special;
    private final List<TokenizerJson.AddedToken> addedTokens;
    private final int size;

    Vocabulary(TokenizerJson json) {
        Map<String, Integer> byToken = new HashMap<>(json.vocab());
        int maxId = json.vocab().values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        for (TokenizerJson.AddedToken added : json.addedTokens()) {
            maxId = Math.max(maxId, added.id());
        }
        String[] byId = new String[maxId + 1];
        json.vocab().forEach((token, id) -> byId[id] = token);
        special = new BitSet(maxId + 1);
        for (TokenizerJson.AddedToken added : json.addedTokens()) {
            byToken.put(added.content(), added.id());
            byId[added.id()] = added.content();
            if (added.special()) {
                special.set(added.id());
            }
        }
        int distinct = 0;
        for (String token : byId) {
            if (token != null) {
                distinct++;
            }
        }
        this.tokenToId = Map.copyOf(byToken);
        this.idToToken = byId;
        this.addedTokens = List.copyOf(new ArrayList<>(json.addedTokens()));
        this.size = distinct;
    }

    OptionalInt tokenToId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    Optional<String> idToToken(int id) {
        return id >= 0 && id < idToToken.length ? Optional.ofNullable(idToToken[id]) : Optional.empty();
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
