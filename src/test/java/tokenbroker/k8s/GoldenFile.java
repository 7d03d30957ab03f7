package tokenbroker.k8s;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Compares a rendered overlay with its golden file as parsed objects, keyed by kind, namespace and name, and
 * names the first difference by its path ({@code Deployment/app: spec.template.spec.initContainers[0].image}).
 * Parsed, not textual: comments and key order in the golden file do not matter, values do.
 */
final class GoldenFile {

    private GoldenFile() {
    }

    static Optional<String> difference(Manifests expected, Manifests actual) {
        Map<String, Map<String, Object>> want = byId(expected);
        Map<String, Map<String, Object>> got = byId(actual);
        for (String id : new TreeSet<>(want.keySet())) {
            if (!got.containsKey(id)) {
                String kind = id.substring(0, id.indexOf('/') + 1);
                List<String> instead = got.keySet().stream().filter(g -> g.startsWith(kind) && !want.containsKey(g)).sorted().toList();
                return Optional.of("missing " + id + (instead.isEmpty() ? "" : " (rendered instead: " + String.join(", ", instead)
                        + "; a generated ConfigMap or Secret changes its name suffix when its content changes)"));
            }
        }
        for (String id : new TreeSet<>(got.keySet())) {
            if (!want.containsKey(id)) {
                return Optional.of("unexpected " + id);
            }
        }
        for (String id : new TreeSet<>(want.keySet())) {
            Optional<String> d = difference(want.get(id), got.get(id), "");
            if (d.isPresent()) {
                return Optional.of(id + ": " + d.get());
            }
        }
        return Optional.empty();
    }

    private static Map<String, Map<String, Object>> byId(Manifests manifests) {
        Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
        for (Map<String, Object> o : manifests.objects) {
            Object namespace = Manifests.at(o, "metadata", "namespace");
            String id = o.get("kind") + "/" + (namespace == null ? "" : namespace + "/") + Manifests.at(o, "metadata", "name");
            if (byId.put(id, o) != null) {
                throw new AssertionError("two objects named " + id);
            }
        }
        return byId;
    }

    private static Optional<String> difference(Object want, Object got, String path) {
        if (want instanceof Map<?, ?> w && got instanceof Map<?, ?> g) {
            TreeSet<String> keys = new TreeSet<>();
            w.keySet().forEach(k -> keys.add(String.valueOf(k)));
            g.keySet().forEach(k -> keys.add(String.valueOf(k)));
            for (String key : keys) {
                Optional<String> d = difference(w.get(key), g.get(key), path.isEmpty() ? key : path + "." + key);
                if (d.isPresent()) {
                    return d;
                }
            }
            return Optional.empty();
        }
        if (want instanceof List<?> w && got instanceof List<?> g) {
            for (int i = 0; i < Math.max(w.size(), g.size()); i++) {
                Optional<String> d = difference(i < w.size() ? w.get(i) : null, i < g.size() ? g.get(i) : null,
                        path + "[" + i + "]");
                if (d.isPresent()) {
                    return d;
                }
            }
            return Optional.empty();
        }
        return Objects.equals(want, got) ? Optional.empty()
                : Optional.of(path + ": expected " + shorten(want) + ", rendered " + shorten(got));
    }

    private static String shorten(Object value) {
        String text = String.valueOf(value);
        return text.length() <= 120 ? text : text.substring(0, 117) + "...";
    }
}
