package dev.loris.gguf;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The test runs exported files through the real consumers (llama.cpp via node-llama-cpp, @huggingface/gguf),
 * installed by gguf/node/install.sh. Without them it is skipped with the reason printed, except under
 * CI=true, where it fails: .ci/run installs them, so a skip there would hide a broken install.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("llama.cpp")
@ExtendWith(NodeConsumers.Condition.class)
public @interface RequiresNodeConsumers {
}
