package dev.loris.tornado.compiler.ir;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Names that come from Java (a kernel's, its parameters') as identifiers of PTX and OpenCL C, which accept
 * only ASCII letters, digits and underscores (PTX also {@code $}). Java allows any Unicode letter, and
 * its names can clash with ours: a parameter {@code a_length} next to the array {@code a}, whose hidden
 * length parameter is also called {@code a_length}. Every parameter therefore gets a prefix (so it never
 * meets an emitter's own names: values, local arrays, tables, helpers), non-ASCII characters are escaped,
 * and a name already taken gets underscores appended until it is unique.
 */
public final class TargetNames {
    private TargetNames() {
    }

    /**
     * {@code javaName} as an ASCII identifier: letters, digits and underscores stay, anything else Java
     * allows (a dollar sign, a non-ASCII letter) becomes {@code _u} and its code point in hex.
     */
    public static String identifier(String javaName) {
        StringBuilder s = new StringBuilder(javaName.length());
        javaName.codePoints().forEach(c -> {
            if (c < 128 && (Character.isLetterOrDigit(c) || c == '_')) {
                s.appendCodePoint(c);
            } else {
                s.append("_u").append(Integer.toHexString(c));
            }
        });
        return s.toString();
    }

    /**
     * The target name of every parameter of {@code graph}, by index ({@code null} for the KernelContext):
     * {@code prefix} + {@link #identifier}, made unique in parameter order.
     */
    public static List<String> parameters(Graph graph, String prefix) {
        List<String> names = new ArrayList<>(graph.params.size());
        Set<String> taken = new HashSet<>();
        for (Graph.Param p : graph.params) {
            if (p.isContext()) {
                names.add(null);
                continue;
            }
            String name = prefix + identifier(p.name());
            while (!taken.add(name)) {
                name += "_";
            }
            names.add(name);
        }
        return names;
    }
}
