package dev.loris.gguf.export;

import dev.loris.model.tokenizer.ChatMessage;
import dev.loris.model.tokenizer.ChatTemplate;

import java.util.List;
import java.util.Optional;

/**
 * A model's Jinja chat template translated to Ollama's Go template syntax by rendering it: the template is
 * rendered on conversations of sentinel words (system / user / assistant turns, with and without a
 * generation prompt), and the text around the sentinels gives each role's prefix and suffix. The pieces are
 * kept only if they reproduce the Jinja rendering of those conversations exactly ({@link #render}); a
 * template whose output is not a sequence of turns gives no translation, and the Modelfile then says so
 * instead of guessing.
 *
 * <p>The system prompt is either a turn of its own ({@link SystemPlacement#TURN}: ChatML, Llama 3) or folded
 * into a user turn, wrapped in {@code systemPrefix}/{@code systemSuffix} between that turn's prefix and its
 * content: the first user turn (Llama 2's {@code [INST] <<SYS>>...<</SYS>>}) or the last (Mistral's
 * {@code [INST] system\n\nquestion[/INST]}).
 *
 * @param systemPrefix    for a system turn, the start of the text (BOS included); folded, what precedes the
 *                        system prompt inside the user turn
 * @param firstUserPrefix the prefix of the first turn written when it is a user turn
 * @param assistantPrefix the generation prompt: what follows the last user turn for the model to answer
 * @param assistantTurnPrefix what precedes a written assistant turn; Mistral's " " before the answer is not in
 *                        its generation prompt (the model writes it), so the two can differ
 */
public record OllamaTemplate(String systemPrefix, String systemSuffix, String firstUserPrefix, String userPrefix,
                             String userSuffix, String assistantPrefix, String assistantTurnPrefix,
                             String assistantSuffix, SystemPlacement systemPlacement) {
    /** Where a template puts the system prompt. */
    public enum SystemPlacement { NONE, TURN, FIRST_USER, LAST_USER }

    private static final String S = "SystemPromptQx7";
    private static final String U1 = "UserTurnOneQx7";
    private static final String A1 = "AssistantTurnQx7";
    private static final String U2 = "UserTurnTwoQx7";

    /**
     * The pieces of {@code template}, when it is a plain sequence of role turns. Cut from
     * [user] and [user, assistant, user] with and without the generation prompt: the text after the last
     * user turn is the user suffix (what is there without the prompt; Llama 3's template writes the assistant
     * header even then) plus the assistant prefix; between an assistant turn and the next user turn is the
     * assistant suffix plus the user prefix (the first user prefix, less a leading {@code bosToken} when the
     * template writes BOS once; null when the tokenizer has none).
     */
    public static Optional<OllamaTemplate> translate(ChatTemplate template, String bosToken) {
        try {
            String userOnly = template.render(List.of(ChatMessage.user(U1)), false);
            String userGen = template.render(List.of(ChatMessage.user(U1)), true);
            String firstUserPrefix = before(userGen, U1);
            String userSuffix = after(userOnly, U1);
            String assistantPrefix = strip(after(userGen, U1), userSuffix, true);
            String three = template.render(List.of(ChatMessage.user(U1), ChatMessage.assistant(A1),
                    ChatMessage.user(U2)), true);
            String afterAssistant = between(three, A1, U2);
            String assistantTurnPrefix = strip(between(three, U1, A1), userSuffix, true);
            String userPrefix = firstUserPrefix;
            if (!afterAssistant.endsWith(userPrefix) && bosToken != null && userPrefix.startsWith(bosToken)) {
                userPrefix = userPrefix.substring(bosToken.length());
            }
            String assistantSuffix = strip(afterAssistant, userPrefix, false);
            OllamaTemplate pieces = new OllamaTemplate("", "", firstUserPrefix, userPrefix, userSuffix,
                    assistantPrefix, assistantTurnPrefix, assistantSuffix, SystemPlacement.NONE);
            pieces = withSystem(template, pieces);
            for (List<ChatMessage> conversation : checks(pieces.supportsSystem())) {
                for (boolean generation : new boolean[] {false, true}) {
                    if (!pieces.render(conversation, generation).equals(template.render(conversation, generation))) {
                        return Optional.empty();
                    }
                }
            }
            return Optional.of(pieces);
        } catch (RuntimeException notPlainTurns) {
            return Optional.empty();
        }
    }

    /** Whether the template takes a system prompt at all. */
    public boolean supportsSystem() {
        return systemPlacement != SystemPlacement.NONE;
    }

    private static OllamaTemplate withSystem(ChatTemplate template, OllamaTemplate pieces) {
        String withSystem;
        try {
            withSystem = template.render(List.of(ChatMessage.system(S), ChatMessage.user(U1)), true);
        } catch (RuntimeException refusesSystem) {
            return pieces;
        }
        if (!withSystem.contains(S)) {
            return pieces;
        }
        String before = before(withSystem, S);
        if (before.startsWith(pieces.firstUserPrefix)) { // folded into a user turn: which one?
            String wrapperPrefix = before.substring(pieces.firstUserPrefix.length());
            String wrapperSuffix = between(withSystem, S, U1);
            String four = template.render(List.of(ChatMessage.system(S), ChatMessage.user(U1), ChatMessage.assistant(A1),
                    ChatMessage.user(U2)), true);
            SystemPlacement placement = four.indexOf(S) < four.indexOf(U1) ? SystemPlacement.FIRST_USER
                    : SystemPlacement.LAST_USER;
            return pieces.with(wrapperPrefix, wrapperSuffix, placement);
        }
        String systemSuffix = strip(between(withSystem, S, U1), pieces.userPrefix, false);
        return pieces.with(before, systemSuffix, SystemPlacement.TURN);
    }

    private OllamaTemplate with(String newSystemPrefix, String newSystemSuffix, SystemPlacement placement) {
        return new OllamaTemplate(newSystemPrefix, newSystemSuffix, firstUserPrefix, userPrefix, userSuffix,
                assistantPrefix, assistantTurnPrefix, assistantSuffix, placement);
    }

    /** Conversations ending on a user turn: what a chat front end sends for the model to answer. */
    private static List<List<ChatMessage>> checks(boolean system) {
        List<ChatMessage> talk = List.of(ChatMessage.user("Hi there."), ChatMessage.assistant("Hello! How can I help?"),
                ChatMessage.user("Name three rivers."), ChatMessage.assistant("Nile, Danube, Amazon."),
                ChatMessage.user("And one more?"));
        List<List<ChatMessage>> cases = new java.util.ArrayList<>();
        cases.add(talk);
        cases.add(talk.subList(0, 1));
        if (system) {
            List<ChatMessage> withSystem = new java.util.ArrayList<>();
            withSystem.add(ChatMessage.system("You are terse."));
            withSystem.addAll(talk);
            cases.add(withSystem);
        }
        return cases;
    }

    /**
     * What the Go template renders for {@code messages} ending on a user turn (the generation prompt after it
     * when asked). Templates may treat a final assistant turn specially (Qwen3 wraps it in an empty think
     * block); the Go template leaves a final assistant turn open for Ollama to continue.
     */
    public String render(List<ChatMessage> messages, boolean generationPrompt) {
        String system = messages.stream().filter(m -> m.role().equals("system")).map(ChatMessage::content)
                .reduce((a, b) -> b).orElse(null);
        int foldInto = folded() ? userIndex(messages, systemPlacement == SystemPlacement.FIRST_USER) : -1;
        int firstTurn = folded() ? firstNonSystem(messages) : 0;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            switch (m.role()) {
                case "system" -> {
                    if (!folded()) {
                        out.append(systemPrefix).append(m.content()).append(systemSuffix);
                    }
                }
                case "user" -> {
                    out.append(i == firstTurn ? firstUserPrefix : userPrefix);
                    if (i == foldInto && system != null) {
                        out.append(systemPrefix).append(system).append(systemSuffix);
                    }
                    out.append(m.content()).append(userSuffix);
                }
                default -> out.append(assistantTurnPrefix).append(m.content()).append(assistantSuffix);
            }
        }
        if (generationPrompt && !messages.isEmpty() && messages.getLast().role().equals("user")) {
            out.append(assistantPrefix);
        }
        return out.toString();
    }

    private boolean folded() {
        return systemPlacement == SystemPlacement.FIRST_USER || systemPlacement == SystemPlacement.LAST_USER;
    }

    private static int userIndex(List<ChatMessage> messages, boolean first) {
        int found = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).role().equals("user")) {
                found = i;
                if (first) {
                    break;
                }
            }
        }
        return found;
    }

    private static int firstNonSystem(List<ChatMessage> messages) {
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("system")) {
                return i;
            }
        }
        return -1;
    }

    /** The Go template text for Ollama's TEMPLATE. */
    public String goTemplate() {
        return folded() ? foldedGoTemplate() : turnsGoTemplate();
    }

    private String turnsGoTemplate() {
        StringBuilder t = new StringBuilder();
        t.append("{{- range $i, $_ := .Messages }}\n");
        t.append("{{- $last := eq (len (slice $.Messages $i)) 1 }}\n");
        if (supportsSystem()) {
            t.append("{{- if eq .Role \"system\" }}").append(literal(systemPrefix)).append("{{ .Content }}")
                    .append(literal(systemSuffix)).append("\n{{- else if eq .Role \"user\" }}");
        } else {
            t.append("{{- if eq .Role \"user\" }}");
        }
        t.append("{{ if eq $i 0 }}").append(literal(firstUserPrefix)).append("{{ else }}").append(literal(userPrefix))
                .append("{{ end }}{{ .Content }}").append(literal(userSuffix))
                .append("{{ if $last }}").append(literal(assistantPrefix)).append("{{ end }}\n");
        appendAssistantAndEnd(t);
        return t.toString();
    }

    /**
     * The system prompt ({@code $.System}, which Ollama fills from the system message) written inside the first
     * or last user turn; system messages write nothing themselves. Two passes: one to find the first turn and
     * that user turn, one to write.
     */
    private String foldedGoTemplate() {
        StringBuilder t = new StringBuilder();
        t.append("{{- $first := -1 }}{{- $fold := -1 }}\n");
        t.append("{{- range $i, $m := .Messages }}");
        t.append("{{- if and (eq $first -1) (ne $m.Role \"system\") }}{{- $first = $i }}{{- end }}");
        t.append(systemPlacement == SystemPlacement.FIRST_USER
                ? "{{- if and (eq $fold -1) (eq $m.Role \"user\") }}{{- $fold = $i }}{{- end }}"
                : "{{- if eq $m.Role \"user\" }}{{- $fold = $i }}{{- end }}");
        t.append("{{- end }}\n");
        t.append("{{- range $i, $_ := .Messages }}\n");
        t.append("{{- $last := eq (len (slice $.Messages $i)) 1 }}\n");
        t.append("{{- if eq .Role \"user\" }}");
        t.append("{{ if eq $i $first }}").append(literal(firstUserPrefix)).append("{{ else }}")
                .append(literal(userPrefix)).append("{{ end }}");
        t.append("{{ if and $.System (eq $i $fold) }}").append(literal(systemPrefix)).append("{{ $.System }}")
                .append(literal(systemSuffix)).append("{{ end }}");
        t.append("{{ .Content }}").append(literal(userSuffix))
                .append("{{ if $last }}").append(literal(assistantPrefix)).append("{{ end }}\n");
        appendAssistantAndEnd(t);
        return t.toString();
    }

    private void appendAssistantAndEnd(StringBuilder t) {
        t.append("{{- else if eq .Role \"assistant\" }}").append(literal(assistantTurnPrefix)).append("{{ .Content }}")
                .append("{{ if not $last }}").append(literal(assistantSuffix)).append("{{ end }}\n");
        t.append("{{- end }}\n{{- end }}");
    }

    /** Text as a Go template literal: only "{{" needs escaping. */
    private static String literal(String text) {
        return text.replace("{{", "{{ \"{{\" }}");
    }

    private static String before(String text, String marker) {
        int at = text.indexOf(marker);
        if (at < 0) {
            throw new IllegalStateException("marker lost");
        }
        return text.substring(0, at);
    }

    private static String after(String text, String marker) {
        int at = text.lastIndexOf(marker);
        if (at < 0) {
            throw new IllegalStateException("marker lost");
        }
        return text.substring(at + marker.length());
    }

    private static String between(String text, String first, String second) {
        int a = text.indexOf(first);
        int b = text.indexOf(second, a + first.length());
        if (a < 0 || b < 0) {
            throw new IllegalStateException("marker lost");
        }
        return text.substring(a + first.length(), b);
    }

    /** {@code text} less a known prefix (or suffix); an exception when it is not there. */
    private static String strip(String text, String part, boolean prefix) {
        if (prefix ? !text.startsWith(part) : !text.endsWith(part)) {
            throw new IllegalStateException("pieces do not line up");
        }
        return prefix ? text.substring(part.length()) : text.substring(0, text.length() - part.length());
    }
}
