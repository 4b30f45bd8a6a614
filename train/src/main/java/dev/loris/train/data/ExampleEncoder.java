package dev.loris.train.data;

import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Turns examples into tokens and a trained mask:
 *
 * <ul>
 *   <li>raw text: {@code tokenizer(text)} with its special tokens (BOS where the tokenizer adds one), then EOS
 *       unless already there or told not to; every token trained;</li>
 *   <li>a conversation: the chat template's rendering, tokenized without adding special tokens (templates
 *       write BOS themselves; adding it again is Unsloth's "double BOS" bug); with responses-only, only the
 *       assistant turns' tokens are trained ({@link AssistantSpans}), else every token.</li>
 * </ul>
 * Then anything past max-seq-length is cut off (and the example marked truncated). Thread-safe: the tokenizer
 * and the template are.
 */
public final class ExampleEncoder {
    private final Tokenizer tokenizer;
    private final String templateName;
    private final boolean responsesOnly;
    private final boolean appendEos;
    private final int maxSeqLength;
    private final Map<String, Object> variables;
    private final OptionalInt eos;
    private volatile ChatTemplate template;

    public ExampleEncoder(Tokenizer tokenizer, DataOptions options) {
        this.tokenizer = tokenizer;
        this.templateName = options.chatTemplate();
        this.responsesOnly = options.responsesOnly();
        this.appendEos = options.appendEos();
        this.maxSeqLength = options.maxSeqLength();
        this.variables = options.templateVariables();
        this.eos = tokenizer.specialTokenId("eos_token");
    }

    /** The template, resolved on the first conversation so a raw-text dataset needs none. */
    public ChatTemplate template() {
        ChatTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    template = ChatTemplates.resolve(templateName, tokenizer);
                }
                t = template;
            }
        }
        return t;
    }

    /** How messages name the template. */
    public String templateDescription() {
        return ChatTemplates.describe(templateName, tokenizer);
    }

    public EncodedExample encode(Example example) {
        int[] ids;
        boolean[] trained;
        switch (example) {
            case Example.Text text -> {
                ids = tokenizer.encode(text.text(), true);
                if (appendEos && eos.isPresent() && (ids.length == 0 || ids[ids.length - 1] != eos.getAsInt())) {
                    ids = Arrays.copyOf(ids, ids.length + 1);
                    ids[ids.length - 1] = eos.getAsInt();
                }
                trained = new boolean[ids.length];
                Arrays.fill(trained, true);
            }
            case Example.Chat chat -> {
                if (responsesOnly) {
                    AssistantSpans.Tokens tokens = new AssistantSpans(template(), templateDescription(), tokenizer,
                            variables).mask(chat.messages(), chat.origin());
                    ids = tokens.ids();
                    trained = tokens.trained();
                } else {
                    String rendered;
                    try {
                        rendered = template().renderMaps(chat.messages(), false, variables);
                    } catch (dev.loris.LorisException e) {
                        throw new BadRowException(chat.origin(), e.getMessage(), e);
                    }
                    ids = tokenizer.encode(rendered, false);
                    trained = new boolean[ids.length];
                    Arrays.fill(trained, true);
                }
            }
        }
        boolean truncated = ids.length > maxSeqLength;
        if (truncated) {
            ids = Arrays.copyOf(ids, maxSeqLength);
            trained = Arrays.copyOf(trained, maxSeqLength);
        }
        return new EncodedExample(ids, trained, truncated, example.origin());
    }
}
