package tokenbroker.files;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tokenbroker.config.FileSpec;
import tokenbroker.config.FileSpec.Format;
import tokenbroker.config.IdentitySpec;
import tokenbroker.config.ResourceSpec;
import tokenbroker.credential.Credential;
import tokenbroker.testing.FakeClock;
import tokenbroker.token.AccessToken;

/**
 * {@link FileSink} on the fake clock, in a temporary directory: each format's exact bytes, the mode, removal at the
 * exact instant the token has less than {@code keep} left, rewriting on recovery, and failed writes (counted,
 * shown, retried) without ever leaving a token on disk past {@code keep}.
 */
class FileSinkTests {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    /** min-serve-ttl 10 s plus two sweeps of 1 s. */
    private static final Duration KEEP = Duration.ofSeconds(12);
    private static final ResourceSpec GRAPH = new ResourceSpec("graph", new IdentitySpec("app", "client", "http://idp/token",
            false, new Credential.ClientSecret(null, "s", false)), List.of("api://graph/.default"), Map.of(), true);
    private static final Set<PosixFilePermission> MODE_0440 = PosixFilePermissions.fromString("r--r-----");

    @TempDir
    Path dir;

    private final FakeClock clock = new FakeClock(T0);
    private final List<String> failures = new ArrayList<>();

    @Test
    void sync_tokenFormat_isTheBareToken() throws IOException {
        FileSink sink = sink(Format.TOKEN);
        sink.sync(token("eyJhbGciOi.eyJzdWIiOi.c2ln", 3600));
        assertThat(Files.readString(path())).isEqualTo("eyJhbGciOi.eyJzdWIiOi.c2ln");
    }

    @Test
    void sync_headerFormat_isAnAuthorizationLine() throws IOException {
        FileSink sink = sink(Format.HEADER);
        sink.sync(token("abc-DEF_123.x~y+z/w==", 3600));
        assertThat(Files.readString(path())).isEqualTo("Authorization: Bearer abc-DEF_123.x~y+z/w==\n");
    }

    @Test
    void sync_jsonFormat_isTheNativeApiBody() throws IOException {
        FileSink sink = sink(Format.JSON);
        AccessToken token = token("tok", 3600);
        clock.advance(Duration.ofMillis(1500)); // expires_in counts whole seconds from the second of writing
        sink.sync(token);
        long expiresOn = T0.getEpochSecond() + 3600;
        assertThat(Files.readString(path())).isEqualTo("{\"access_token\":\"tok\",\"token_type\":\"Bearer\",\"expires_in\":3599,"
                + "\"expires_on\":" + expiresOn + ",\"resource\":\"graph\",\"scope\":\"api://graph/.default\"}");
    }

    @Test
    void sync_envFormat_isTwoAssignments_withConfiguredNames() throws IOException {
        sink(Format.ENV).sync(token("tok.en", 3600));
        assertThat(Files.readString(path())).isEqualTo("ACCESS_TOKEN=tok.en\nACCESS_TOKEN_EXPIRES_ON=" + (T0.getEpochSecond() + 3600) + "\n");

        FileSink named = new FileSink(new FileSpec("gh", GRAPH, dir.resolve("gh.env"), Format.ENV, MODE_0440, "GH_TOKEN", "GH_EXP"),
                content(), clock, KEEP, spec -> failures.add(spec.name()));
        named.sync(token("tok.en", 60));
        assertThat(Files.readString(dir.resolve("gh.env"))).isEqualTo("GH_TOKEN=tok.en\nGH_EXP=" + (T0.getEpochSecond() + 60) + "\n");
    }

    @Test
    void sync_writesWithTheConfiguredMode_andLeavesNoTemporaryFile() throws IOException {
        sink(Format.TOKEN).sync(token("a", 3600));
        assertThat(Files.getPosixFilePermissions(path())).isEqualTo(MODE_0440);
        FileSink open = new FileSink(new FileSpec("t", GRAPH, dir.resolve("open"), Format.TOKEN,
                PosixFilePermissions.fromString("rw-r--r--"), "A", "B"), content(), clock, KEEP, spec -> { });
        open.sync(token("a", 3600));
        assertThat(Files.getPosixFilePermissions(dir.resolve("open"))).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("token", "open");
        }
    }

    @Test
    void sync_newToken_replacesTheFile_sameToken_doesNotRewrite() throws IOException {
        FileSink sink = sink(Format.TOKEN);
        AccessToken first = token("first", 100);
        sink.sync(first);
        Instant written = sink.status().writtenAt();
        clock.advance(Duration.ofSeconds(5));
        sink.sync(first);
        assertThat(sink.status().writtenAt()).isEqualTo(written);
        sink.sync(token("second", 100));
        assertThat(Files.readString(path())).isEqualTo("second");
        assertThat(sink.status().writtenAt()).isEqualTo(clock.instant());
        assertThat(sink.status().state()).isEqualTo(FileStatus.WRITTEN);
    }

    @Test
    void sync_untilKeepLeft_keepsTheFile_oneNanosecondLater_removesIt_andWritesAgainOnRecovery() throws IOException {
        FileSink sink = sink(Format.TOKEN);
        AccessToken token = token("short", 60);
        sink.sync(token);
        clock.set(token.expiresAt().minus(KEEP)); // exactly keep left
        sink.sync(token);
        assertThat(path()).hasContent("short");
        clock.set(token.expiresAt().minus(KEEP).plusNanos(1));
        sink.sync(token); // the slot still serves it (min-serve-ttl 10 s), the file does not
        assertThat(path()).doesNotExist();
        assertThat(sink.status().state()).isEqualTo(FileStatus.ABSENT);
        assertThat(sink.status().writtenAt()).isNull();

        sink.sync(null); // nothing servable: nothing to do, no failure
        assertThat(sink.status().state()).isEqualTo(FileStatus.ABSENT);
        sink.sync(token("recovered", 60));
        assertThat(path()).hasContent("recovered");
        assertThat(failures).isEmpty();
    }

    @Test
    void sync_nothingServable_removesTheFile() {
        FileSink sink = sink(Format.TOKEN);
        sink.sync(token("a", 3600));
        sink.sync(null);
        assertThat(path()).doesNotExist();
    }

    @Test
    void sync_directoryReplacedByAFile_failsAndCounts_retriesEverySync_andRecovers() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        FileSink sink = new FileSink(new FileSpec("t", GRAPH, sub.resolve("token"), Format.TOKEN, MODE_0440, "A", "B"),
                content(), clock, KEEP, spec -> failures.add(spec.name()));
        sink.sync(token("first", 3600));
        Files.delete(sub.resolve("token"));
        Files.delete(sub);
        Files.writeString(sub, "not a directory"); // root ignores permission bits; a file in the way stops it too

        sink.sync(token("second", 3600));
        assertThat(sink.status().state()).isEqualTo(FileStatus.FAILING);
        assertThat(sink.status().lastError()).startsWith("cannot write " + sub.resolve("token") + ": ")
                .doesNotContain("second");
        sink.sync(token("second", 3600));
        assertThat(failures).containsExactly("t", "t");

        Files.delete(sub);
        Files.createDirectory(sub);
        sink.sync(token("second", 3600));
        assertThat(sub.resolve("token")).hasContent("second");
        assertThat(sink.status().state()).isEqualTo(FileStatus.WRITTEN);
        assertThat(sink.status().lastError()).isNull();
    }

    @Test
    void sync_whenNewTokenCannotBeWritten_keepsTheOldOneOnlyWhileItHasKeepLeft() {
        FileSink sink = sink(Format.HEADER);
        AccessToken old = token("old", 60);
        sink.sync(old);
        AccessToken unsafe = token("new\nX-Injected: yes", 3600); // would add a header line of its own
        sink.sync(unsafe);
        assertThat(path()).hasContent("Authorization: Bearer old\n");
        assertThat(sink.status().state()).isEqualTo(FileStatus.FAILING);
        assertThat(sink.status().lastError()).contains("b64token").doesNotContain("Injected");

        clock.set(old.expiresAt().minus(KEEP).plusMillis(1));
        sink.sync(unsafe);
        assertThat(path()).doesNotExist();
        assertThat(sink.status().state()).isEqualTo(FileStatus.FAILING);
        assertThat(failures).hasSize(2);
    }

    @Test
    void sync_envFormat_refusesATokenThatWouldAddAVariable() {
        FileSink sink = sink(Format.ENV);
        sink.sync(token("x\nLD_PRELOAD=/tmp/evil.so", 3600));
        assertThat(path()).doesNotExist();
        assertThat(sink.status().state()).isEqualTo(FileStatus.FAILING);
    }

    @Test
    void remove_deletesTheFileAndTemporaryFilesAnEarlierRunLeft() throws IOException {
        Files.writeString(path(), "expired-token-of-an-earlier-run");
        Path leftover = Files.writeString(dir.resolve(".token.12345.tmp"), "partial");
        Path other = Files.writeString(dir.resolve(".other.1.tmp"), "not ours");
        sink(Format.TOKEN).remove("test");
        assertThat(path()).doesNotExist();
        assertThat(leftover).doesNotExist();
        assertThat(other).exists();
    }

    private FileSink sink(Format format) {
        return new FileSink(new FileSpec("t", GRAPH, path(), format, MODE_0440, "ACCESS_TOKEN", "ACCESS_TOKEN_EXPIRES_ON"),
                content(), clock, KEEP, spec -> failures.add(spec.name()));
    }

    private static TokenFileContent content() {
        return new TokenFileContent(new ObjectMapper());
    }

    private Path path() {
        return dir.resolve("token");
    }

    private AccessToken token(String value, long seconds) {
        return new AccessToken(value, clock.instant(), clock.instant().plusSeconds(seconds), null, null);
    }
}
