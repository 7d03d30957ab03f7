package tokenbroker.leaks;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Every logger of the broker at {@code TRACE}, written to a file of its own under {@code target/leaks/}.
 *
 * <p>{@code quarkus.log.min-level} is a build-time property: a profile makes Quarkus build the application again,
 * so this one lowers it to {@code TRACE} for every category. The shipped pins of {@code io.quarkus.oidc.client}
 * and {@code io.quarkus.oidc.common} ({@code min-level=INFO} in {@code application.properties}) are left as they
 * are, and their runtime level is asked to be {@code TRACE} as well: the pins must hold against exactly that.
 */
public class TraceEverything implements QuarkusTestProfile {

    /** One file per run, so that a run never reads an older run's lines. */
    static final Path LOG_FILE = Path.of("target", "leaks", "trace-" + System.currentTimeMillis() + ".log").toAbsolutePath();

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.log.min-level", "TRACE"); // build time
        config.put("quarkus.log.level", "TRACE");
        // What a careless operator would write to "debug the IdP": the shipped min-level=INFO must win.
        config.put("quarkus.log.category.\"io.quarkus.oidc.client\".level", "TRACE");
        config.put("quarkus.log.category.\"io.quarkus.oidc.common\".level", "TRACE");
        // application.properties quiets SmallRye Health to WARN; here it talks too.
        config.put("quarkus.log.category.\"io.smallrye.health\".level", "TRACE");
        // rest-assured and its Apache HttpClient are the test's own HTTP client, not part of the broker: at DEBUG
        // their wire log prints every answer the test receives, the tokens included.
        config.put("quarkus.log.category.\"org.apache.http\".level", "INFO");
        config.put("quarkus.log.category.\"io.restassured\".level", "INFO");
        config.put("quarkus.log.file.enabled", "true");
        config.put("quarkus.log.file.path", LOG_FILE.toString());
        config.put("quarkus.log.file.level", "ALL");
        // Plain text, one record per line start, so that levels and categories can be counted (JSON is the default
        // for files once quarkus-logging-json is present; it renders the same messages).
        config.put("quarkus.log.file.json.enabled", "false");
        config.put("quarkus.log.file.format", "%d{HH:mm:ss,SSS} %-5p [%c] (%t) %s%e%n");
        config.put("quarkus.log.file.rotation.max-file-size", "1G");
        // The console keeps the surefire report readable; the file has everything.
        config.put("quarkus.log.console.level", "INFO");
        return config;
    }
}
