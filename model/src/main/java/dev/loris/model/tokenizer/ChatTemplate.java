package dev.loris.model.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import com.hubspot.jinjava.interpret.OutputTooBigException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A tokenizer's Jinja chat template rendered as transformers' {@code apply_chat_template(tokenize=False)}
 * renders it: trim_blocks and lstrip_blocks on, a single trailing newline of the template dropped
 * (keep_trailing_newline off; see {@link JinjaWhitespace}), variables {@code messages}, {@code add_generation_prompt}, the named
 * special tokens ({@code bos_token}, {@code eos_token}, {@code pad_token}, ...), {@code tools} and
 * {@code documents} set to none; globals {@code raise_exception} and {@code strftime_now}; the
 * {@code tojson} filter of transformers; the {@code {% generation %}} block.
 *
 * <p>Jinjava stands in for Jinja2. The Python-isms real templates use are made to work: str and dict
 * methods ({@link PythonMethods}), slices with a step and expressions in namespace() arguments
 * ({@link TemplateRewriter}), Python's strip in {@code trim}, booleans printed as True / False
 * ({@link PythonOutput}). Known remaining differences: printing none gives "" rather than "None", a
 * variable set to none counts as undefined, {@code 'ab' * 2} is an error, and strings are not "iterable"
 * (templates test {@code is string} first, so this does not change their output).
 *
 * <p>Jinjava's nested interpretation is off: text coming from messages is output as is, never rendered
 * again as a template (a message containing "{{ x }}" stays literal, as in Jinja2).
 *
 * <p>A template is a program from a downloaded file, so a render is bounded: at most {@link #MAX_CHARS}
 * characters of output and per string, at most {@link #TIME_LIMIT_SECONDS} seconds (see {@link PythonOutput});
 * past either it fails with a TokenizerException saying so. Real templates render in milliseconds.
 *
 * <p>The rendered text usually begins with BOS already: tokenize it with addSpecialTokens = false.
 */
public final class ChatTemplate {
    /** The most characters a render may output, and any string it builds may hold (a 128k-token context is ~0.5M). */
    static final int MAX_CHARS = 16 << 20;
    static final int TIME_LIMIT_SECONDS = 5;
    private static final java.util.Set<TemplateError.ErrorReason> LIMIT_REASONS = java.util.EnumSet.of(
            TemplateError.ErrorReason.OUTPUT_TOO_BIG, TemplateError.ErrorReason.OVER_LIMIT,
            TemplateError.ErrorReason.COLLECTION_TOO_BIG);
    private static final Jinjava JINJAVA = environment();

    private final String template;
    private final String rewritten;
    private final Map<String, Object> specialTokenVariables;
    private final String origin;

    /**
     * @param template the Jinja source from tokenizer_config.json or chat_template.jinja
     * @param config   whose special tokens become template variables
     * @param origin   the file it came from, for messages
     */
    public ChatTemplate(String template, TokenizerConfig config, String origin) {
        this.template = Objects.requireNonNull(template, "template");
        this.rewritten = TemplateRewriter.rewrite(template);
        this.origin = origin;
        Map<String, Object> variables = new HashMap<>(config.specialTokens());
        variables.putAll(config.namedExtraTokens());
        variables.put("additional_special_tokens", config.extraSpecialTokens());
        this.specialTokenVariables = Map.copyOf(variables);
    }

    /** The template's Jinja source. */
    public String source() {
        return template;
    }

    /** Renders a conversation of plain role/content messages. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return renderMaps(messages.stream().map(ChatMessage::asMap).toList(), addGenerationPrompt, Map.of());
    }

    /**
     * Renders messages given as maps (role, content, and whatever else a template reads: tool_calls,
     * reasoning_content, content as a list of parts), with extra template variables (enable_thinking,
     * a date_string, ...). Variables override the special tokens of the same name.
     */
    public String renderMaps(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
                             Map<String, ?> variables) {
        Map<String, Object> context = new HashMap<>(specialTokenVariables);
        context.put("messages", messages);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("tools", null);
        context.put("documents", null);
        context.putAll(variables);
        RenderResult result;
        try {
            result = PythonOutput.withDeadline(TimeUnit.SECONDS.toNanos(TIME_LIMIT_SECONDS),
                    () -> JINJAVA.renderForResult(rewritten, context));
        } catch (PythonOutput.TimeLimit e) {
            throw new TokenizerException("the chat template of " + origin + " ran for more than " + TIME_LIMIT_SECONDS
                    + " seconds", "a chat template renders in milliseconds; this one loops without end or "
                    + "nearly so: fix or replace it", e);
        } catch (RuntimeException e) {
            throw failure(e.getMessage(), e);
        }
        for (TemplateError error : result.getErrors()) {
            if (LIMIT_REASONS.contains(error.getReason()) || error.getException() instanceof OutputTooBigException) {
                throw new TokenizerException("the chat template of " + origin + " builds more than the limit of "
                        + MAX_CHARS + " characters or items (line " + error.getLineno() + ": " + error.getMessage()
                        + ")", "no conversation needs this much; the template or the messages are not what they "
                        + "should be", error.getException());
            }
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                JinjaFunctions.TemplateRaised raised = raisedBy(error.getException());
                if (raised != null) {
                    throw new TokenizerException("the chat template of " + origin + " refused these messages: "
                            + raised.getMessage(), "shape the conversation as the template expects");
                }
                throw failure("line " + error.getLineno() + ": " + error.getMessage(), error.getException());
            }
        }
        return result.getOutput();
    }

    private TokenizerException failure(String detail, Throwable cause) {
        return new TokenizerException("the chat template of " + origin + " failed to render: " + detail,
                "the template may use a Jinja feature Loris's renderer (Jinjava) lacks; "
                        + "report it with the template", cause);
    }

    private static JinjaFunctions.TemplateRaised raisedBy(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof JinjaFunctions.TemplateRaised raised) {
                return raised;
            }
        }
        return null;
    }

    private static Jinjava environment() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // applied to the source by JinjaWhitespace, as Jinja2 does it
                .withInterperterFactory(new PythonOutput())
                .withKeepTrailingNewline(true)
                .withNestedInterpretationEnabled(false)
                .withMaxOutputSize(MAX_CHARS)
                .withMaxStringLength(MAX_CHARS)
                .withElResolver(new PythonMethods(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY))
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .withUsePyishObjectMapper(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        var globals = jinjava.getGlobalContext();
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaFunctions.class,
                "raiseException", Object.class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaFunctions.class,
                "strftimeNow", String.class));
        JinjaFilters.all().forEach(globals::registerFilter);
        globals.registerTag(new GenerationTag());
        return jinjava;
    }
}
