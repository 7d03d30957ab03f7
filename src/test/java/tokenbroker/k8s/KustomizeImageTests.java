package tokenbroker.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static tokenbroker.k8s.BrokerSidecar.broker;
import static tokenbroker.k8s.Manifests.at;
import static tokenbroker.k8s.Manifests.properties;
import static tokenbroker.k8s.Manifests.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tokenbroker.k8s.Manifests.Source;
import tokenbroker.k8s.Manifests.Workload;

/**
 * What the rendered overlays must agree on with the images and with Quarkus configuration: the broker runs as the
 * numeric user its Dockerfile names, and every file {@code QUARKUS_CONFIG_LOCATIONS} names lets environment
 * variables override it (issue 14; scripts/container-test.sh runs the image so). Plain JUnit, kubectl on the PATH.
 */
class KustomizeImageTests {

    /** Environment variables' ordinal (SmallRye Config): a file must rank below it to be overridden. */
    static final int ENV_ORDINAL = 300;

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenbroker.k8s.KustomizeTests#overlays")
    void render_broker_runsAsItsImageUser(String overlay) throws IOException {
        for (Workload w : KustomizeTests.rendered(overlay).workloads()) {
            Map<String, Object> broker = broker(w);
            String image = text(broker.get("image"));
            Path dockerfile = Path.of(image.endsWith(":native") ? "Dockerfile.native" : "Dockerfile.jvm");
            String user = Files.readAllLines(dockerfile).stream().filter(l -> l.startsWith("USER "))
                    .map(l -> l.substring(5).strip()).reduce((a, b) -> b).orElseThrow();
            assertThat(user).as(dockerfile + ": USER (numeric, non-root)").matches("[1-9][0-9]*");
            assertThat(at(broker, "securityContext", "runAsUser")).as(w + ": broker runAsUser, " + image + "'s USER")
                    .isEqualTo(Integer.parseInt(user));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenbroker.k8s.KustomizeTests#overlays")
    void render_configFiles_rankBelowEnvironment(String overlay) {
        Manifests m = KustomizeTests.rendered(overlay);
        for (Workload w : m.workloads()) {
            for (String location : Manifests.envValue(broker(w), "QUARKUS_CONFIG_LOCATIONS").split(",")) {
                Source source = m.fileSource(w, broker(w), location.strip()).orElseThrow();
                Properties file = properties(source.content());
                // Without config_ordinal, the file gets the ordinal of QUARKUS_CONFIG_LOCATIONS' source (the
                // environment, 300) and wins over every environment variable.
                assertThat(file.getProperty("config_ordinal")).as(w + ": config_ordinal in " + location).isNotNull();
                assertThat(Integer.parseInt(file.getProperty("config_ordinal").strip()))
                        .as(w + ": config_ordinal of " + location).isLessThan(ENV_ORDINAL);
            }
        }
    }
}
