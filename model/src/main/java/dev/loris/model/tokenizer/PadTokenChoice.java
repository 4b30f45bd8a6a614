package dev.loris.model.tokenizer;

import dev.loris.model.config.ModelConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The pad token to train with, chosen by Unsloth's rule (unsloth-zoo's fix_pad_token), because padding
 * with EOS teaches the model never to stop: pad positions are masked out of the loss, and if pad is EOS,
 * so is every real EOS.
 *
 * <ol>
 *   <li>Keep the tokenizer's pad token if it is set, is not the EOS token (by text or id) and lies inside
 *       the model's embedding (config.json vocab_size).</li>
 *   <li>Otherwise take an existing reserved or pad-like added token, by family in this priority:
 *       {@code <|finetune_right_pad_id|>} (Llama 3.1), {@code <|finetune_right_pad|>} (Llama 4),
 *       {@code <pad>}, {@code [PAD]}, {@code <PAD>}, {@code <|endoftext|>} (Qwen, when EOS is
 *       {@code <|im_end|>}), {@code <fim_pad>}, DeepSeek's pad, {@code [MASK]}, then families matched by
 *       prefix: {@code <|reserved} (Llama 3's reserved special tokens), {@code <|placeholder},
 *       {@code <|dummy_}, {@code [control}, {@code |<EXTRA_TOKENS_}, {@code <SPECIAL_}, {@code <unused},
 *       then {@code <|EOT|>}, {@code <|reject-unknown|>}, and the modality pads {@code <|vision_pad|>},
 *       {@code <|image_pad|>}, {@code <|video_pad|>}. Within a family, tokens that close ({@code >},
 *       {@code ]}, {@code )}) come first, highest id first. A candidate must encode to exactly one id,
 *       not an EOS id, inside the embedding.</li>
 *   <li>Otherwise any bracketed added token whose text contains "pad" ({@code <|fim_pad|>}).</li>
 *   <li>Otherwise the unk token (Llama 2's {@code <unk>}).</li>
 *   <li>Otherwise config.json's pad_token_id, if it names an existing token other than EOS.</li>
 * </ol>
 *
 * <p>Unsloth's last resort, adding a new {@code <|PAD_TOKEN|>} and resizing the embedding and LM head, is
 * not available: Loris trains the checkpoint's matrices as they are. {@link #choose} then fails with a
 * message saying so.
 *
 * @param token the pad token's text
 * @param id    its id
 * @param how   which step of the rule chose it
 */
public record PadTokenChoice(String token, int id, How how) {

    /** Which step of the rule produced the choice. */
    public enum How {
        /** The tokenizer's own pad token was valid. */
        KEPT,
        /** A reserved or pad-like added token of a known family. */
        RESERVED,
        /** Some other bracketed "pad" added token. */
        PAD_NAMED,
        /** The unk token. */
        UNK,
        /** config.json's pad_token_id. */
        CONFIG_PAD_ID
    }

    /** Prefix families, highest priority first; an entry matches a token equal to it or starting with it. */
    static final List<String> FAMILIES = List.of(
            "<|finetune_right_pad_id|>", "<|finetune_right_pad|>", "<pad>", "[PAD]", "<PAD>", "<|endoftext|>",
            "<fim_pad>", "<｜▁pad▁｜>", "[MASK]", "<|reserved", "<|placeholder", "<|dummy_", "[control",
            "|<EXTRA_TOKENS_", "<SPECIAL_", "<unused", "<|EOT|>", "<|reject-unknown|>",
            "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>");

    private static final List<String> CLOSERS = List.of(">", "]", ")");

    /** The pad token for {@code tokenizer} alone (no embedding-size or config checks). */
    public static PadTokenChoice choose(Tokenizer tokenizer) {
        return choose(tokenizer, null);
    }

    /**
     * The pad token for training {@code tokenizer}'s model; {@code config} (may be null) adds the
     * embedding size, the config's EOS ids and its pad_token_id.
     */
    public static PadTokenChoice choose(Tokenizer tokenizer, ModelConfig config) {
        Rule rule = new Rule(tokenizer, config);
        return rule.keep()
                .or(rule::reserved)
                .or(rule::padNamed)
                .or(rule::unk)
                .or(rule::configPadId)
                .orElseThrow(() -> new TokenizerException(tokenizer.source() + " has no usable pad token: "
                        + "none is set apart from EOS, and the vocabulary has no reserved or pad-like token, "
                        + "no unk token and no pad_token_id in config.json",
                        "a new pad token would need a larger embedding matrix, which Loris does not add; name "
                                + "an existing, otherwise unused token as the pad token"));
    }

    /** The rule's steps over one tokenizer and config. */
    private static final class Rule {
        private final Tokenizer tokenizer;
        private final ModelConfig config;
        private final String eosToken;
        private final Set<Integer> eosIds = new HashSet<>();
        private final int embeddingRows;

        Rule(Tokenizer tokenizer, ModelConfig config) {
            this.tokenizer = tokenizer;
            this.config = config;
            this.eosToken = tokenizer.specialToken("eos_token").orElse(null);
            tokenizer.specialTokenId("eos_token").ifPresent(eosIds::add);
            if (config != null) {
                eosIds.addAll(config.eosTokenIds());
            }
            this.embeddingRows = config == null ? Integer.MAX_VALUE : config.vocabSize();
        }

        Optional<PadTokenChoice> keep() {
            Optional<String> pad = tokenizer.specialToken("pad_token");
            OptionalInt padId = tokenizer.specialTokenId("pad_token");
            OptionalInt eosId = tokenizer.specialTokenId("eos_token");
            if (pad.isEmpty() || padId.isEmpty() || pad.get().equals(eosToken)
                    || (eosId.isPresent() && eosId.getAsInt() == padId.getAsInt()) || padId.getAsInt() >= embeddingRows) {
                return Optional.empty();
            }
            return Optional.of(new PadTokenChoice(pad.get(), padId.getAsInt(), How.KEPT));
        }

        Optional<PadTokenChoice> reserved() {
            List<TokenizerJson.AddedToken> added = addedHighestFirst();
            for (String family : FAMILIES) {
                List<TokenizerJson.AddedToken> matches = new ArrayList<>();
                for (TokenizerJson.AddedToken token : added) {
                    if (token.content().startsWith(family)) {
                        matches.add(token);
                    }
                }
                matches.sort(Comparator.comparing((TokenizerJson.AddedToken t) -> !closes(t.content())));
                for (TokenizerJson.AddedToken candidate : matches) {
                    Optional<PadTokenChoice> choice = usable(candidate.content(), How.RESERVED);
                    if (choice.isPresent()) {
                        return choice;
                    }
                }
            }
            return Optional.empty();
        }

        Optional<PadTokenChoice> padNamed() {
            for (TokenizerJson.AddedToken token : addedHighestFirst()) {
                String text = token.content();
                if (text.toLowerCase(java.util.Locale.ROOT).contains("pad")
                        && (text.startsWith("<") || text.startsWith("[")) && closes(text)) {
                    Optional<PadTokenChoice> choice = usable(text, How.PAD_NAMED);
                    if (choice.isPresent()) {
                        return choice;
                    }
                }
            }
            return Optional.empty();
        }

        Optional<PadTokenChoice> unk() {
            return tokenizer.specialToken("unk_token").flatMap(unk -> usable(unk, How.UNK));
        }

        Optional<PadTokenChoice> configPadId() {
            if (config == null || config.padTokenId() == null) {
                return Optional.empty();
            }
            int id = config.padTokenId();
            if (id < 0 || id >= embeddingRows || eosIds.contains(id)) {
                return Optional.empty();
            }
            return tokenizer.idToToken(id)
                    .filter(token -> !token.equals(eosToken))
                    .filter(token -> tokenizer.tokenToId(token).equals(OptionalInt.of(id)))
                    .map(token -> new PadTokenChoice(token, id, How.CONFIG_PAD_ID));
        }

        /** The candidate if it is not EOS and encodes to one id that is not EOS and fits the embedding. */
        private Optional<PadTokenChoice> usable(String candidate, How how) {
            if (candidate.equals(eosToken)) {
                return Optional.empty();
            }
            int[] ids = tokenizer.encode(candidate, false);
            if (ids.length != 1 || eosIds.contains(ids[0]) || ids[0] >= embeddingRows) {
                return Optional.empty();
            }
            return Optional.of(new PadTokenChoice(candidate, ids[0], how));
        }

        private List<TokenizerJson.AddedToken> addedHighestFirst() {
            List<TokenizerJson.AddedToken> added = new ArrayList<>(tokenizer.addedTokens());
            added.sort(Comparator.comparingInt(TokenizerJson.AddedToken::id).reversed());
            return added;
        }

        private static boolean closes(String text) {
            return CLOSERS.stream().anyMatch(text::endsWith);
        }
    }
}
