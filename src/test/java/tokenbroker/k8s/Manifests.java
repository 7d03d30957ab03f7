package tokenbroker.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The objects of one rendered overlay, parsed with SnakeYAML into plain maps and lists, and the few ways the
 * tests look into them: workloads and their pod specs, containers, and the content a container sees at a path.
 */
final class Manifests {

    /** The kinds whose pod template is at {@code spec.template}. */
    static final List<String> WORKLOAD_KINDS = List.of("Deployment", "StatefulSet", "DaemonSet", "Job");

    final List<Map<String, Object>> objects;

    private Manifests(List<Map<String, Object>> objects) {
        this.objects = objects;
    }

    static Manifests parse(String yaml) {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (document != null) {
                objects.add(map(document, "a document"));
            }
        }
        return new Manifests(List.copyOf(objects));
    }

    /** One workload and its pod template. */
    record Workload(String kind, String name, Map<String, Object> template) {
        Map<String, Object> podSpec() {
            return map(at(template, "spec"), kind + "/" + name + " spec.template.spec");
        }

        List<Map<String, Object>> containers() {
            return maps(at(podSpec(), "containers"));
        }

        List<Map<String, Object>> initContainers() {
            return maps(at(podSpec(), "initContainers"));
        }

        Optional<Map<String, Object>> initContainer(String name) {
            return initContainers().stream().filter(c -> name.equals(c.get("name"))).findFirst();
        }

        Optional<Map<String, Object>> container(String name) {
            return containers().stream().filter(c -> name.equals(c.get("name"))).findFirst();
        }

        @Override
        public String toString() {
            return kind + "/" + name;
        }
    }

    List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    Optional<Map<String, Object>> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(at(o, "metadata", "name"))).findFirst();
    }

    List<Workload> workloads() {
        return objects.stream().filter(o -> WORKLOAD_KINDS.contains(o.get("kind")))
                .map(o -> new Workload((String) o.get("kind"), (String) at(o, "metadata", "name"),
                        map(at(o, "spec", "template"), o.get("kind") + " spec.template")))
                .toList();
    }

    /** What the object behind a file path holds: a ConfigMap or Secret key (decoded), mounted at {@code mountPath}. */
    record Source(String kind, String name, String key, String content) {
    }

    /**
     * The ConfigMap or Secret entry that {@code container} sees at {@code file}, through a whole-directory mount (a
     * subPath mount would not be updated when the object changes). Empty when no such mount or object exists.
     */
    Optional<Source> fileSource(Workload workload, Map<String, Object> container, String file) {
        for (Map<String, Object> mount : maps(container.get("volumeMounts"))) {
            String dir = (String) mount.get("mountPath");
            if (mount.get("subPath") != null || dir == null || !file.startsWith(dir + "/")) {
                continue;
            }
            String key = file.substring(dir.length() + 1);
            Map<String, Object> volume = maps(workload.podSpec().get("volumes")).stream()
                    .filter(v -> Objects.equals(v.get("name"), mount.get("name"))).findFirst().orElse(null);
            if (volume == null) {
                return Optional.empty();
            }
            if (volume.get("configMap") != null) {
                String name = (String) at(volume, "configMap", "name");
                return find("ConfigMap", name).map(cm -> (String) at(cm, "data", key))
                        .map(content -> new Source("ConfigMap", name, key, content));
            }
            if (volume.get("secret") != null) {
                String name = (String) at(volume, "secret", "secretName");
                return secretValue(name, key).map(content -> new Source("Secret", name, key, content));
            }
            return Optional.empty();
        }
        return Optional.empty();
    }

    Optional<String> secretValue(String name, String key) {
        return find("Secret", name).map(secret -> {
            Object plain = at(secret, "stringData", key);
            if (plain != null) {
                return plain.toString();
            }
            Object encoded = at(secret, "data", key);
            return encoded == null ? null : new String(Base64.getDecoder().decode(encoded.toString()), StandardCharsets.UTF_8);
        });
    }

    /** An environment variable of {@code container}, as its env entry. */
    static Optional<Map<String, Object>> env(Map<String, Object> container, String name) {
        return maps(container.get("env")).stream().filter(e -> name.equals(e.get("name"))).findFirst();
    }

    /** The literal value of an environment variable; fails when it is missing or not a literal. */
    static String envValue(Map<String, Object> container, String name) {
        return Manifests.env(container, name).map(e -> text(e.get("value")))
                .orElseThrow(() -> new AssertionError("container " + container.get("name") + ": no " + name));
    }

    static String text(Object value) {
        assertThat(value).as("a string value").isInstanceOf(String.class);
        return (String) value;
    }

    /** A Kubernetes memory quantity in bytes: 64Mi, 128M, 1Gi, 512Ki, 1000. */
    static long bytes(Object quantity) {
        Matcher q = Pattern.compile("(\\d+)(Ki|Mi|Gi|k|M|G)?").matcher(String.valueOf(quantity));
        assertThat(q.matches()).as("memory quantity " + quantity).isTrue();
        long unit = switch (q.group(2) == null ? "" : q.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "k" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            default -> 1L;
        };
        return Long.parseLong(q.group(1)) * unit;
    }
    /** A list of strings; an absent list is empty. */
    static List<String> strings(Object value) {
        if (value == null) {
            return List.of();
        }
        assertThat(value).as("a list").isInstanceOf(List.class);
        return ((List<?>) value).stream().map(Manifests::text).toList();
    }

    static Properties properties(String text) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IOException e) {
            throw new AssertionError("not a properties file: " + e.getMessage(), e);
        }
        return properties;
    }

    /** Follows {@code keys} through nested maps; null where one is missing. */
    static Object at(Object root, String... keys) {
        Object current = root;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        if (!(value instanceof Map)) {
            throw new AssertionError(what + " is not a mapping: " + value);
        }
        return (Map<String, Object>) value;
    }

    /** A list of mappings; an absent list is empty. */
    static List<Map<String, Object>> maps(Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new AssertionError("not a list: " + value);
        }
        return list.stream().map(item -> map(item, "a list item")).toList();
    }
}
