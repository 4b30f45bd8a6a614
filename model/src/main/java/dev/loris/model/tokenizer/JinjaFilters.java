package dev.loris.model.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Filters whose Jinjava versions differ from the Jinja2 ones transformers uses: {@code tojson}
 * (transformers' override: json.dumps with ensure_ascii=False, indent, separators, sort_keys),
 * {@code trim} (Python's str.strip, which also strips U+00A0 and U+0085), and {@code py_slice}, the
 * target of {@link TemplateRewriter} for slices with a step.
 */
final class JinjaFilters {
    private JinjaFilters() {
    }

    static List<AdvancedFilter> all() {
        return List.of(new ToJson(), new Trim(), new PySlice());
    }

    /** tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False), positional or keyword. */
    static final class ToJson implements AdvancedFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object ensureAscii = argument(args, kwargs, 0, "ensure_ascii");
            Object indent = argument(args, kwargs, 1, "indent");
            Object separators = argument(args, kwargs, 2, "separators");
            Object sortKeys = argument(args, kwargs, 3, "sort_keys");
            List<String> separatorPair = null;
            if (separators instanceof Collection<?> pair) {
                separatorPair = pair.stream().map(String::valueOf).toList();
            }
            return new PythonJson(Boolean.TRUE.equals(ensureAscii),
                    indent instanceof Number n ? n.intValue() : null, separatorPair,
                    Boolean.TRUE.equals(sortKeys)).dumps(var);
        }
    }

    /** trim(value, chars=None): Python's strip. */
    static final class Trim implements AdvancedFilter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = argument(args, kwargs, 0, "chars");
            return PythonStrings.strip(var == null ? "" : var.toString(), chars == null ? null : chars.toString(),
                    true, true);
        }
    }

    /** py_slice(start, stop, step): Python's seq[start:stop:step] on a list or a string. */
    static final class PySlice implements AdvancedFilter {
        @Override
        public String getName() {
            return "py_slice";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Integer start = index(argument(args, kwargs, 0, "start"));
            Integer stop = index(argument(args, kwargs, 1, "stop"));
            Integer stepArg = index(argument(args, kwargs, 2, "step"));
            int step = stepArg == null ? 1 : stepArg;
            if (step == 0) {
                throw new IllegalArgumentException("slice step cannot be zero");
            }
            if (var instanceof String text) {
                List<Integer> picked = positions(text.length(), start, stop, step);
                StringBuilder out = new StringBuilder();
                picked.forEach(i -> out.append(text.charAt(i)));
                return out.toString();
            }
            List<Object> items = var instanceof Collection<?> c ? new ArrayList<>(c) : List.of();
            List<Object> out = new ArrayList<>();
            positions(items.size(), start, stop, step).forEach(i -> out.add(items.get(i)));
            return out;
        }

        private static Integer index(Object value) {
            return value instanceof Number n ? n.intValue() : null;
        }

        /** The indices Python's slice(start, stop, step).indices(length) walks. */
        private static List<Integer> positions(int length, Integer start, Integer stop, int step) {
            int lower = step > 0 ? 0 : -1;
            int upper = step > 0 ? length : length - 1;
            int from = start == null ? (step > 0 ? lower : upper) : clamp(start, length, lower, upper);
            int to = stop == null ? (step > 0 ? upper : lower) : clamp(stop, length, lower, upper);
            List<Integer> out = new ArrayList<>();
            for (int i = from; step > 0 ? i < to : i > to; i += step) {
                out.add(i);
            }
            return out;
        }

        private static int clamp(int index, int length, int lower, int upper) {
            int i = index < 0 ? index + length : index;
            return Math.max(lower, Math.min(upper, i));
        }
    }

    private static Object argument(Object[] args, Map<String, Object> kwargs, int position, String name) {
        if (kwargs != null && kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        return args != null && args.length > position ? args[position] : null;
    }
}
