package dev.loris.model.tokenizer;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's str and dict methods for chat templates rendered by Jinjava, which otherwise only sees Java
 * methods ({@code content.startswith('<tool_response>')} fails, {@code content.split('x')} silently
 * runs Java's regex split). Wraps Jinjava's resolver: calls on a String or a Map whose name is a Python
 * method are answered here with Python semantics, everything else goes to the wrapped resolver. Also
 * gives strings Python indexing ({@code text[0]}, {@code text[-1]}).
 *
 * <p>Covered: str strip/lstrip/rstrip, split/rsplit, splitlines, startswith/endswith (a prefix or a list
 * of them), lower/upper/title/capitalize, replace (with count), find/rfind/count, join, removeprefix /
 * removesuffix, isdigit/isspace/isalpha/isalnum/islower/isupper; dict items/keys/values/get. Not covered:
 * format, %-formatting, and mutating methods (transformers' sandbox forbids those anyway).
 */
final class PythonMethods extends ELResolver {
    private final ELResolver delegate;

    PythonMethods(ELResolver delegate) {
        this.delegate = delegate;
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        Object[] args = params == null ? new Object[0] : params;
        if (method instanceof String name) {
            Object result = NOT_HANDLED;
            if (base instanceof String text) {
                result = stringMethod(text, name, args);
            } else if (base instanceof Map<?, ?> map) {
                result = dictMethod(map, name, args);
            }
            if (result != NOT_HANDLED) {
                context.setPropertyResolved(true);
                return result;
            }
        }
        return delegate.invoke(context, base, method, types, params);
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        Integer index = base instanceof String ? integer(property) : null;
        if (index != null) {
            String text = (String) base;
            int i = index < 0 ? text.length() + index : index;
            context.setPropertyResolved(true);
            return i >= 0 && i < text.length() ? String.valueOf(text.charAt(i)) : null;
        }
        return delegate.getValue(context, base, property);
    }

    /** An index given as a number, or as the digits Jinjava passes for {@code text[-1]}; else null. */
    private static Integer integer(Object property) {
        if (property instanceof Number n) {
            return n.intValue();
        }
        if (property instanceof String s && s.matches("-?\\d{1,9}")) {
            return Integer.parseInt(s);
        }
        return null;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object stringMethod(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> PythonStrings.strip(s, chars(a, 0), true, true);
            case "lstrip" -> PythonStrings.strip(s, chars(a, 0), true, false);
            case "rstrip" -> PythonStrings.strip(s, chars(a, 0), false, true);
            case "split" -> PythonStrings.split(s, chars(a, 0), maxSplit(a));
            case "rsplit" -> PythonStrings.rsplit(s, chars(a, 0), maxSplit(a));
            case "splitlines" -> PythonStrings.splitLines(s);
            case "startswith" -> anyAffix(a[0], s::startsWith);
            case "endswith" -> anyAffix(a[0], s::endsWith);
            case "lower" -> s.toLowerCase(java.util.Locale.ROOT);
            case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
            case "title" -> PythonStrings.title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "replace" -> PythonStrings.replace(s, str(a[0]), str(a[1]), a.length > 2 ? ((Number) a[2]).intValue() : -1);
            case "find" -> (long) s.indexOf(str(a[0]));
            case "rfind" -> (long) s.lastIndexOf(str(a[0]));
            case "count" -> (long) PythonStrings.count(s, str(a[0]));
            case "join" -> PythonStrings.join(s, a[0]);
            case "removeprefix" -> s.startsWith(str(a[0])) ? s.substring(str(a[0]).length()) : s;
            case "removesuffix" -> !str(a[0]).isEmpty() && s.endsWith(str(a[0]))
                    ? s.substring(0, s.length() - str(a[0]).length()) : s;
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PythonStrings::isWhitespace);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "islower" -> s.codePoints().anyMatch(Character::isLowerCase) && s.codePoints().noneMatch(Character::isUpperCase);
            case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase) && s.codePoints().noneMatch(Character::isLowerCase);
            default -> NOT_HANDLED;
        };
    }

    private static Object dictMethod(Map<?, ?> map, String name, Object[] a) {
        return switch (name) {
            case "items" -> {
                List<List<Object>> items = new ArrayList<>();
                map.forEach((k, v) -> items.add(java.util.Arrays.asList(k, v)));
                yield items;
            }
            case "keys" -> new ArrayList<>(map.keySet());
            case "values" -> new ArrayList<>(map.values());
            case "get" -> map.containsKey(a[0]) ? map.get(a[0]) : (a.length > 1 ? a[1] : null);
            default -> NOT_HANDLED;
        };
    }

    private static boolean anyAffix(Object affixes, java.util.function.Predicate<String> test) {
        if (affixes instanceof Collection<?> many) {
            return many.stream().anyMatch(affix -> test.test(str(affix)));
        }
        return test.test(str(affixes));
    }

    private static String chars(Object[] a, int index) {
        return a.length > index && a[index] != null ? str(a[index]) : null;
    }

    private static int maxSplit(Object[] a) {
        return a.length > 1 && a[1] != null ? ((Number) a[1]).intValue() : -1;
    }

    private static String str(Object value) {
        return value == null ? "None" : value.toString();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return delegate.getCommonPropertyType(context, base);
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return delegate.getFeatureDescriptors(context, base);
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return delegate.getType(context, base, property);
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return delegate.isReadOnly(context, base, property);
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        delegate.setValue(context, base, property, value);
    }
}
