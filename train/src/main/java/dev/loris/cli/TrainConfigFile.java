package dev.loris.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.loris.LorisException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code loris train --config train.yaml}: the same settings as the flags, from a YAML file whose keys are the
 * option names without the dashes ({@code lora-r: 32}; {@code lora_r} works too), flags on the command line
 * overriding it. The file is turned into flags placed before the command line's own, and picocli parses the
 * whole with overwritten options allowed, so a setting from the file is checked and converted exactly as the
 * flag would be and a later flag wins. A key that is not an option, a nested map or an unreadable file is a
 * usage error naming the file and the key.
 *
 * <pre>
 * model: models/Qwen2.5-0.5B
 * data: data/alpaca.jsonl
 * out: runs/alpaca
 * lora-r: 32
 * targets: [q_proj, v_proj]     # a list becomes q_proj,v_proj
 * load-in-4bit: true            # a flag; false leaves it off
 * </pre>
 */
final class TrainConfigFile {
    private static final long MAX_BYTES = 1 << 20;

    private TrainConfigFile() {
    }

    /**
     * The arguments with {@code train}'s {@code --config FILE} replaced by the file's settings as flags, or the
     * arguments unchanged when there is none.
     */
    static String[] expand(String[] args, CommandSpec train) {
        int command = List.of(args).indexOf("train");
        if (command < 0) {
            return args;
        }
        List<String> rest = new ArrayList<>();
        Path file = null;
        for (int i = command + 1; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (args[i].startsWith("--config=")) {
                file = Path.of(args[i].substring("--config=".length()));
            } else {
                rest.add(args[i]);
            }
        }
        if (file == null) {
            return args;
        }
        List<String> expanded = new ArrayList<>(List.of(args).subList(0, command + 1));
        expanded.addAll(flags(file, train));
        expanded.addAll(rest);
        return expanded.toArray(String[]::new);
    }

    private static List<String> flags(Path file, CommandSpec train) {
        JsonNode root = read(file);
        List<String> flags = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> setting = it.next();
            String name = "--" + setting.getKey().replace('_', '-');
            OptionSpec option = train.findOption(name);
            if (option == null || name.equals("--config") || option.usageHelp() || option.versionHelp()) {
                throw new CommandLine.ParameterException(train.commandLine(), "loris: " + file + ": '"
                        + setting.getKey() + "' is not a setting of loris train; known: " + known(train));
            }
            JsonNode value = setting.getValue();
            if (option.type() == boolean.class || option.type() == Boolean.class) {
                if (!value.isBoolean()) {
                    throw new CommandLine.ParameterException(train.commandLine(), "loris: " + file + ": '"
                            + setting.getKey() + "' is a flag: give true or false, not " + value);
                }
                if (value.booleanValue()) {
                    flags.add(name);
                }
            } else {
                flags.add(name);
                flags.add(scalar(file, setting.getKey(), value, train));
            }
        }
        return flags;
    }

    /** A scalar as its text; a list of scalars joined with commas (as --targets takes them). */
    private static String scalar(Path file, String key, JsonNode value, CommandSpec train) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : value) {
                items.add(scalar(file, key, item, train));
            }
            return String.join(",", items);
        }
        if (value.isObject() || value.isNull()) {
            throw new CommandLine.ParameterException(train.commandLine(), "loris: " + file + ": '" + key
                    + "' needs a value such as a number, a word or a list, not " + (value.isNull() ? "nothing" : "a map"));
        }
        return value.asText();
    }

    private static JsonNode read(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new LorisException("the --config file " + file + " does not exist or is not a file",
                        "give the path of a YAML file of train settings");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new LorisException("the --config file " + file + " is larger than 1 MB",
                        "give a YAML file of train settings, a few lines long");
            }
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw new LorisException("the --config file " + file + " is not a YAML map of settings",
                        "write one setting per line, e.g. 'lora-r: 32'");
            }
            return root;
        } catch (JacksonException e) {
            throw new LorisException("the --config file " + file + " is not valid YAML: "
                    + e.getOriginalMessage(), "fix the line it names");
        } catch (IOException e) {
            throw new LorisException("cannot read the --config file " + file + ": " + e.getMessage(),
                    "check the path and its permissions");
        }
    }

    private static String known(CommandSpec train) {
        TreeSet<String> names = new TreeSet<>();
        for (OptionSpec o : train.options()) {
            if (!o.usageHelp() && !o.versionHelp() && !o.longestName().equals("--config")) {
                names.add(o.longestName().substring(2));
            }
        }
        return String.join(", ", names);
    }
}
