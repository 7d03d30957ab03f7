package tokenbroker.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.common.MapBackedConfigSource;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;

/** {@link LocationOrdinalWarning}: which configuration sources it warns about (issue 14, item 5). */
class LocationOrdinalWarningTests {

    static ConfigSource source(String name, int ordinal) {
        return new MapBackedConfigSource(name, Map.of("k", "v"), ordinal) {
        };
    }

    @Test
    void warnings_whenFileNamedByEnvironmentHasItsOrdinal_namesFileAndMend() {
        List<String> warnings = LocationOrdinalWarning.warnings(List.of(
                source("PropertiesConfigSource[source=file:/config/broker.properties]", 300)));
        assertThat(warnings).singleElement().asString()
                .startsWith("config: /config/broker.properties has ordinal 300")
                .contains("config_ordinal=260");
    }

    @Test
    void warnings_whenFileNamedBySystemProperty_warnsToo() {
        assertThat(LocationOrdinalWarning.warnings(List.of(
                source("PropertiesConfigSource[source=file:/etc/broker.properties]", 400)))).hasSize(1);
    }

    @Test
    void warnings_whenFileRanksBelowEnvironment_none() {
        assertThat(LocationOrdinalWarning.warnings(List.of(
                source("PropertiesConfigSource[source=file:/config/broker.properties]", 260),
                source("PropertiesConfigSource[source=jar:file:///app.jar!/application.properties]", 250),
                source("EnvConfigSource", 300),
                source("SysPropConfigSource", 400)))).isEmpty();
    }
}
