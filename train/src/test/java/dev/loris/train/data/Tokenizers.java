package dev.loris.train.data;

import dev.loris.model.TestResources;
import dev.loris.model.tokenizer.Tokenizer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The model tests' committed real tokenizers (llama3, qwen3, gemma3, llama2), loaded once per JVM. */
final class Tokenizers {
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private Tokenizers() {
    }

    static Tokenizer get(String name) {
        return LOADED.computeIfAbsent(name, n -> Tokenizer.load(TestResources.tokenizerFolder(n)));
    }
}
