package dev.loris.model.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The ids that end generation for a model folder, as transformers' generate gathers them: config.json's
 * eos_token_id, generation_config.json's eos_token_id (an id or a list) and the tokenizer's eos_token.
 */
public final class StopTokens {
    private StopTokens() {
    }

    public static Set<Integer> of(Path modelFolder, ModelConfig config, Tokenizer tokenizer) {
        Set<Integer> ids = new HashSet<>(config.eosTokenIds());
        tokenizer.specialTokenId("eos_token").ifPresent(ids::add);
        Path generationConfig = modelFolder.resolve("generation_config.json");
        if (Files.isRegularFile(generationConfig)) {
            try {
                JsonNode eos = new ObjectMapper().readTree(generationConfig.toFile()).get("eos_token_id");
                if (eos != null && eos.isInt()) {
                    ids.add(eos.asInt());
                } else if (eos != null && eos.isArray()) {
                    eos.forEach(id -> ids.add(id.asInt()));
                }
            } catch (IOException e) {
                throw new LorisException("cannot read " + generationConfig + ": " + e.getMessage(),
                        "fix or remove generation_config.json", e);
            }
        }
        return ids;
    }
}
