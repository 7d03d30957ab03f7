package tokenbroker.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;
import tokenbroker.cache.ResourceStatus;
import tokenbroker.files.FileStatus;

/** One resource in {@code /v1/resources}: what an operator needs to see, and never the token. */
@RegisterForReflection
public record ResourceView(
        @JsonProperty("name") String name,
        @JsonProperty("identity") String identity,
        @JsonProperty("client_id") String clientId,
        @JsonProperty("scopes") List<String> scopes,
        @JsonProperty("required") boolean required,
        @JsonProperty("state") String state,
        @JsonProperty("expires_on") Long expiresOn,
        @JsonProperty("last_refresh") Long lastRefresh,
        @JsonProperty("last_error") String lastError,
        @JsonProperty("failures") int failures,
        @JsonProperty("next_retry") Long nextRetry,
        @JsonProperty("files") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<File> files) {

    /** A token file of the resource ({@code broker.files.*}): where, its state, and why its last write failed. */
    @RegisterForReflection
    public record File(
            @JsonProperty("name") String name,
            @JsonProperty("path") String path,
            @JsonProperty("state") String state,
            @JsonProperty("written_at") Long writtenAt,
            @JsonProperty("last_error") String lastError) {
    }

    public static ResourceView of(ResourceStatus status) {
        return of(status, List.of());
    }

    public static ResourceView of(ResourceStatus status, List<FileStatus> fileStatuses) {
        var resource = status.resource();
        List<File> files = fileStatuses.stream().map(f -> new File(f.name(), f.path().toString(), f.state(), epoch(f.writtenAt()),
                f.lastError())).toList();
        return new ResourceView(resource.name(), resource.identity().name(), resource.identity().clientId(), resource.scopes(),
                resource.required(), status.state(), epoch(status.expiresAt()), epoch(status.lastRefresh()),
                status.lastFailure() == null ? null : status.lastFailure().describe(), status.failures(), epoch(status.retryAt()), files);
    }

    private static Long epoch(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }
}
