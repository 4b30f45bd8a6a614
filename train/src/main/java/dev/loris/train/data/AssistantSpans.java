package dev.loris.train.data;

import dev.loris.LorisException;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds each assistant turn's tokens in a rendered conversation through the template itself, never by
 * searching marker strings in the output (the way Unsloth's train_on_responses_only masks everything when a
 * marker tokenizes differently in context). For assistant turn i:
 *
 * <ul>
 *   <li><b>start</b>: the conversation before turn i, rendered with the generation prompt, is a prefix of the
 *       whole rendering; its tokens' longest common prefix with the whole's tokens is where the turn's trained
 *       tokens begin (a token straddling the boundary is trained, as transformers' assistant mask does).
 *       A template that renders the earlier turns differently once more follow (moves the system prompt into
 *       the last user turn, ...) cannot be masked this way and is refused by name.</li>
 *   <li><b>end</b>: the conversation up to and including turn i, rendered on its own. When it is a prefix of the
 *       whole (most templates), its tokens' common prefix with the whole's ends the turn, closing tokens
 *       (<|eot_id|>, <|im_end|>\n, <end_of_turn>\n, EOS) included. When the template renders a last turn
 *       differently (Phi-3 appends EOS, Qwen3 adds an empty think block), the content's end is found by
 *       rendering the conversation again with turn i's content changed (the tokens after it are unchanged),
 *       and the turn's closing tokens are those that follow the content in the turn's own rendering, as far as
 *       the whole rendering repeats them.</li>
 * </ul>
 *
 * <p>Costs one rendering and tokenization for the whole conversation, one per assistant turn for its start,
 * and for a turn that is not the last one, one more on the fast path or three otherwise.
 */
final class AssistantSpans {
    /** Appended to a turn's content to see where the content ends; any printable change works. */
    private static final String CONTENT_PROBE = "\u00a7";

    private final ChatTemplate template;
    private final String templateName;
    private final Tokenizer tokenizer;
    private final Map<String, Object> variables;

    AssistantSpans(ChatTemplate template, String templateName, Tokenizer tokenizer, Map<String, Object> variables) {
        this.template = template;
        this.templateName = templateName;
        this.tokenizer = tokenizer;
        this.variables = variables;
    }

    /** The conversation's tokens and a mask true on every assistant turn's tokens. */
    Tokens mask(List<Map<String, Object>> messages, RowOrigin origin) {
        String full = render(messages, false, origin);
        int[] ids = tokenizer.encode(full, false);
        boolean[] trained = new boolean[ids.length];
        int previousEnd = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (!"assistant".equals(messages.get(i).get("role"))) {
                continue;
            }
            int start = start(messages, i, full, ids, origin);
            int end = end(messages, i, full, ids, origin);
            if (start < previousEnd || end <= start) {
                throw refuse(origin, "assistant turn " + i + " (message " + i + ") renders no tokens of its own "
                        + "(tokens " + start + ".." + end + ")");
            }
            for (int t = start; t < end; t++) {
                trained[t] = true;
            }
            previousEnd = end;
        }
        return new Tokens(ids, trained);
    }

    record Tokens(int[] ids, boolean[] trained) {
    }

    private int start(List<Map<String, Object>> messages, int i, String full, int[] ids, RowOrigin origin) {
        String prompt = render(messages.subList(0, i), true, origin);
        if (!full.startsWith(prompt)) {
            throw refuse(origin, "the conversation before assistant turn " + i + " renders differently from the "
                    + "same turns inside the whole conversation (the template rewrites earlier turns, e.g. moves "
                    + "the system prompt)");
        }
        return commonPrefix(tokenizer.encode(prompt, false), ids, 0);
    }

    private int end(List<Map<String, Object>> messages, int i, String full, int[] ids, RowOrigin origin) {
        if (i == messages.size() - 1) {
            return ids.length; // the conversation ends with this turn: the rest of the rendering is its closing
        }
        List<Map<String, Object>> upTo = messages.subList(0, i + 1);
        String turn = render(upTo, false, origin);
        int[] turnIds = tokenizer.encode(turn, false);
        if (full.startsWith(turn)) {
            return commonPrefix(turnIds, ids, 0);
        }
        int contentEnd = ids.length - commonSuffix(ids, tokenizer.encode(render(probed(messages, i), false, origin), false));
        int[] probedTurn = tokenizer.encode(render(probed(upTo, i), false, origin), false);
        int turnContentEnd = turnIds.length - commonSuffix(turnIds, probedTurn);
        int closing = 0;
        while (turnContentEnd + closing < turnIds.length && contentEnd + closing < ids.length
                && turnIds[turnContentEnd + closing] == ids[contentEnd + closing]) {
            closing++;
        }
        return contentEnd + closing;
    }

    /** The messages with message i's content changed at its end. */
    private static List<Map<String, Object>> probed(List<Map<String, Object>> messages, int i) {
        List<Map<String, Object>> copy = new ArrayList<>(messages);
        Map<String, Object> changed = new LinkedHashMap<>(messages.get(i));
        changed.put("content", changed.get("content") + CONTENT_PROBE);
        copy.set(i, changed);
        return copy;
    }

    private String render(List<Map<String, Object>> messages, boolean generationPrompt, RowOrigin origin) {
        if (messages.isEmpty() && generationPrompt) {
            return ""; // a conversation opening with the assistant: nothing comes before it
        }
        try {
            return template.renderMaps(messages, generationPrompt, variables);
        } catch (LorisException e) {
            throw new BadRowException(origin, e.getMessage(), e);
        }
    }

    private LorisException refuse(RowOrigin origin, String problem) {
        return new LorisException(templateName + " cannot mask prompts for responses-only training: " + problem
                + " (row " + origin + ")",
                "choose another template with --chat-template (" + String.join(", ", ChatTemplates.NAMES)
                        + "), or train on whole conversations (responses-only off)");
    }

    static int commonPrefix(int[] a, int[] b, int from) {
        int n = Math.min(a.length, b.length);
        int i = from;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    static int commonSuffix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int k = 0;
        while (k < n && a[a.length - 1 - k] == b[b.length - 1 - k]) {
            k++;
        }
        return k;
    }
}
