package tokenbroker.config;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Warns at start-up about a configuration file that environment variables cannot override. SmallRye Config gives a
 * file named by {@code quarkus.config.locations} the ordinal of the source that named it (300 when
 * {@code QUARKUS_CONFIG_LOCATIONS} names it, 400 for {@code -D}), and at equal ordinal the file wins: an
 * {@code env} entry of a pod would be silently ignored. {@code config_ordinal=260} in the file mends it
 * (docs/operations.md, "Configuration"); the files in {@code k8s/} carry it.
 */
@ApplicationScoped
public class LocationOrdinalWarning {

    /** Environment variables' ordinal (MicroProfile Config). */
    static final int ENV_ORDINAL = 300;
    private static final String FILE_SOURCE = "[source=file:";

    void check(@Observes StartupEvent started) {
        warnings(ConfigProvider.getConfig().getConfigSources()).forEach(Log::warn);
    }

    /** One sentence per file source that ranks at or above the environment. */
    static List<String> warnings(Iterable<ConfigSource> sources) {
        List<String> out = new ArrayList<>();
        for (ConfigSource source : sources) {
            String name = source.getName();
            int at = name == null ? -1 : name.indexOf(FILE_SOURCE);
            if (at >= 0 && source.getOrdinal() >= ENV_ORDINAL) {
                String file = name.substring(at + FILE_SOURCE.length()).replaceFirst("]$", "");
                out.add(String.format("config: %s has ordinal %d, that of the source that named it in"
                        + " quarkus.config.locations: environment variables cannot override its keys. Add"
                        + " config_ordinal=260 to the file.", file, source.getOrdinal()));
            }
        }
        return out;
    }
}
