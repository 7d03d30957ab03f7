package tokenbroker.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.k8s.Manifests.properties;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import tokenbroker.k8s.Manifests.Source;
import tokenbroker.k8s.Manifests.Workload;

/** The broker's init container in a rendered workload, and its configuration as the broker would read it. */
final class BrokerSidecar {

    static final String BROKER = "token-broker";
    static final int MANAGEMENT_PORT = 9000;

    private BrokerSidecar() {
    }

    /** The broker's init container; fails when {@code w} has none. */
    static Map<String, Object> broker(Workload w) {
        return w.initContainer(BROKER).orElseThrow(() -> new AssertionError(w + ": no init container " + BROKER));
    }

    /** The broker's configuration: every file QUARKUS_CONFIG_LOCATIONS names, read from the rendered objects. */
    static Properties config(Manifests m, Workload w) {
        Properties all = new Properties();
        for (String location : Manifests.envValue(broker(w), "QUARKUS_CONFIG_LOCATIONS").split(",")) {
            Source source = m.fileSource(w, broker(w), location.strip()).orElseThrow(() -> new AssertionError(
                    w + ": QUARKUS_CONFIG_LOCATIONS names " + location + ", which no mounted ConfigMap or Secret holds"));
            all.putAll(properties(source.content()));
        }
        return all;
    }

    /** What the one {@code broker.identities.*.<suffix>} key names, as the broker sees it. */
    static Source identityFile(Manifests m, Workload w, Properties config, String suffix) {
        List<String> keys = config.stringPropertyNames().stream()
                .filter(k -> k.startsWith("broker.identities.") && k.endsWith("." + suffix)).toList();
        assertThat(keys).as(w + ": broker.identities.*." + suffix).hasSize(1);
        String file = config.getProperty(keys.get(0)).strip();
        return m.fileSource(w, broker(w), file).orElseThrow(() -> new AssertionError(w + ": " + file + " is not mounted"));
    }

    /** Asserts that {@code probe} asks {@code path} on the management port, by number or by port name. */
    static void assertProbe(Workload w, Map<String, Object> container, String probe, String path) {
        assertThat(Manifests.at(container, probe, "httpGet", "path")).as(w + ": " + probe + " path").isEqualTo(path);
        Object port = Manifests.at(container, probe, "httpGet", "port");
        Object number = port instanceof String name ? Manifests.maps(container.get("ports")).stream().filter(p -> name.equals(p.get("name")))
                .map(p -> p.get("containerPort")).findFirst().orElse(null) : port;
        assertThat(number).as(w + ": " + probe + " port " + port + " (the management port)").isEqualTo(MANAGEMENT_PORT);
    }
}
