package tokenbroker.files;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/**
 * Readiness and start-up of the token files: UP only while every file of a required resource holds a servable
 * token and its last write succeeded, so that an application started after the (native) sidecar finds its file.
 * The data gives each file's state and last error; never a token. Reads memory only.
 */
@Readiness
@Startup
@ApplicationScoped
public class TokenFilesReadyCheck implements HealthCheck {

    private final TokenFiles files;

    TokenFilesReadyCheck(TokenFiles files) {
        this.files = files;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("token-files");
        boolean up = true;
        for (FileStatus status : files.statuses()) {
            boolean required = status.required();
            up &= !required || FileStatus.WRITTEN.equals(status.state());
            response.withData(status.name(), status.state() + (required ? "" : " (optional)"));
            if (status.lastError() != null) {
                response.withData(status.name() + ".last_error", status.lastError());
            }
        }
        return response.status(up).build();
    }
}
