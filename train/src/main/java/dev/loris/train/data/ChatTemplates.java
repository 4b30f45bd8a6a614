package dev.loris.train.data;

import dev.loris.LorisException;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Chat templates by name ({@code --chat-template}), each the Jinja text the model family's
 * tokenizer_config.json ships, kept as resources beside this class (templates/NAME.jinja):
 *
 * <ul>
 *   <li>llama-3.1: Meta Llama 3.1 Instruct (system header with "Cutting Knowledge Date", date 26 Jul 2024
 *       unless the variable date_string is given; tools);</li>
 *   <li>chatml: {@code <|im_start|>role\n...<|im_end|>\n}, as ChatML models and transformers' old default;</li>
 *   <li>qwen-2.5: Qwen2.5 Instruct (ChatML with its default system prompt; tools);</li>
 *   <li>mistral: Mistral 7B Instruct v0.2 ({@code [INST] ... [/INST]}, the system prompt folded into the first
 *       user turn);</li>
 *   <li>gemma: Gemma 3 instruction-tuned ({@code <start_of_turn>user / model}; Gemma 2's for conversations
 *       without a system message);</li>
 *   <li>phi-3: Phi-3 mini 4k instruct ({@code <|user|> ... <|end|>}, EOS at the end of a finished conversation);</li>
 *   <li>phi-4: Phi-4 ({@code <|im_start|>role<|im_sep|>});</li>
 *   <li>alpaca: Stanford Alpaca's "### Instruction: / ### Input: / ### Response:" prompt (no model ships it).</li>
 * </ul>
 *
 * <p>The special tokens (bos_token, eos_token) come from the model's tokenizer, as transformers binds them.
 * "model" (or no name) means the template of the model's own tokenizer_config.json / chat_template.jinja.
 */
public final class ChatTemplates {
    /** Names {@link #resolve} knows, besides "model". */
    public static final List<String> NAMES =
            List.of("llama-3.1", "chatml", "qwen-2.5", "mistral", "gemma", "phi-3", "phi-4", "alpaca");
    /** The name that selects the model's own template. */
    public static final String MODEL = "model";

    private ChatTemplates() {
    }

    /**
     * The template {@code name} with the tokenizer's special tokens bound; null or "model" gives the model's
     * own, which must exist. Unknown names and missing templates are LorisExceptions listing the names.
     */
    public static ChatTemplate resolve(String name, Tokenizer tokenizer) {
        if (name == null || name.isBlank() || name.strip().equalsIgnoreCase(MODEL)) {
            return tokenizer.chatTemplate().orElseThrow(() -> new LorisException(
                    "the tokenizer " + tokenizer.source() + " has no chat template",
                    "name one with --chat-template (" + String.join(", ", NAMES) + ")"));
        }
        String key = name.strip().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(key)) {
            throw new LorisException("unknown chat template '" + name + "'",
                    "use one of " + String.join(", ", NAMES) + ", or 'model' for the model's own");
        }
        return new ChatTemplate(source(key), tokenizer.config(), "the built-in chat template " + key);
    }

    /** The Jinja text of a named template. */
    public static String source(String name) {
        String resource = "templates/" + name + ".jinja";
        try (InputStream in = ChatTemplates.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + resource, e);
        }
    }

    /** A name for messages: the given one, or "the model's own (tokenizer source)". */
    static String describe(String name, Tokenizer tokenizer) {
        return name == null || name.isBlank() || name.strip().equalsIgnoreCase(MODEL)
                ? "the model's own chat template (" + tokenizer.source() + ")"
                : "the chat template '" + name.strip().toLowerCase(Locale.ROOT) + "'";
    }
}
