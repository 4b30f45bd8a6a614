package dev.loris.gguf.export;

import dev.loris.gguf.GgufException;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The Ollama Modelfile written beside every exported GGUF: FROM the file, the chat template translated to
 * Go template syntax ({@link OllamaTemplate}), and a stop parameter for every end-of-turn token (the
 * tokenizer's eos_token, config.json's eos ids, the special tokens that close an assistant turn). A
 * template that cannot be translated is left out with a comment saying so, rather than guessed.
 */
public final class Modelfile {
    private Modelfile() {
    }

    /** The Modelfile text for {@code gguf}, exported from the model in {@code modelFolder}. */
    public static String text(Path modelFolder, Path gguf) {
        ModelConfig config = ModelConfig.read(modelFolder);
        StringBuilder out = new StringBuilder();
        out.append("# Ollama Modelfile written by `loris export`: ollama create NAME -f ")
                .append(gguf.getFileName()).append(".Modelfile\n");
        out.append("FROM ./").append(gguf.getFileName()).append("\n");
        Set<String> stops = new LinkedHashSet<>();
        try (Tokenizer tokenizer = Tokenizer.load(modelFolder)) {
            Optional<ChatTemplate> template = tokenizer.chatTemplate();
            String bos = tokenizer.specialToken("bos_token").orElse(null);
            Optional<OllamaTemplate> translated = template.flatMap(t -> OllamaTemplate.translate(t, bos));
            if (translated.isPresent()) {
                String go = translated.get().goTemplate();
                if (go.contains("\"\"\"")) {
                    throw new GgufException("the chat template of " + modelFolder + " contains \"\"\"",
                            "Ollama's Modelfile cannot quote it; edit the TEMPLATE by hand");
                }
                out.append("TEMPLATE \"\"\"").append(go).append("\"\"\"\n");
                String closing = translated.get().assistantSuffix();
                for (int id = 0; id < config.vocabSize(); id++) {
                    if (tokenizer.isSpecial(id)) {
                        tokenizer.idToToken(id).filter(closing::contains).ifPresent(stops::add);
                    }
                }
            } else if (template.isPresent()) {
                out.append("# The chat template is not a sequence of role turns, so it was not translated to\n"
                        + "# Ollama's syntax: add a TEMPLATE by hand (llama.cpp uses the Jinja one in the GGUF).\n");
            } else {
                out.append("# The model has no chat template: Ollama will pass prompts as they are.\n");
            }
            tokenizer.specialToken("eos_token").ifPresent(stops::add);
            for (int eos : config.eosTokenIds()) {
                tokenizer.idToToken(eos).ifPresent(stops::add);
            }
        }
        for (String stop : stops) {
            out.append("PARAMETER stop \"").append(stop.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
        }
        return out.toString();
    }

    /** Writes {@code <gguf>.Modelfile} beside the GGUF and returns its path. */
    public static Path write(Path modelFolder, Path gguf) {
        Path file = gguf.resolveSibling(gguf.getFileName() + ".Modelfile");
        try {
            Files.writeString(file, text(modelFolder, gguf));
        } catch (IOException e) {
            throw new GgufException("cannot write " + file + ": " + e, "check the free disk space", e);
        }
        return file;
    }
}
