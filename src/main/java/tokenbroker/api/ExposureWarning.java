package tokenbroker.api;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import tokenbroker.caller.CallerRegistry;

/**
 * Warns when an operator binds the token interface beyond the loopback: every process that can reach the port
 * can then ask for tokens (guarded only by caller secrets, if any are configured).
 */
@ApplicationScoped
public class ExposureWarning {

    void check(@Observes StartupEvent started, @ConfigProperty(name = "quarkus.http.host") String host,
            CallerRegistry callers) {
        if (!isLoopback(host)) {
            Log.warnf("api: the token interface listens on %s, not on the loopback: any host that reaches it can ask for"
                    + " tokens%s. Keep quarkus.http.host=127.0.0.1 unless you know why.", host,
                    callers.open() ? " (and no caller secrets are configured)" : "");
        }
    }

    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
