package tokenbroker.files;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;
import tokenbroker.health.ReadyReport;

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
        ReadyReport report = ReadyReport.named("token-files");
        for (FileStatus status : files.statuses()) {
            report.entry(status.name(), status.state(), status.required(), FileStatus.WRITTEN.equals(status.state()))
                    .detail(status.name(), "last_error", status.lastError());
        }
        return report.build();
    }
}
