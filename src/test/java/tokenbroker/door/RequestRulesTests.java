package tokenbroker.door;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Host rule of the token interface, without HTTP: what names the loopback and what does not. */
class RequestRulesTests {

    @ParameterizedTest
    @ValueSource(strings = { "localhost", "LOCALHOST:7777", "127.0.0.1", "127.0.0.1:7777", "127.255.255.254:1", "[::1]",
            "[::1]:7777" })
    void loopbackHost_loopbackNames_areAccepted(String host) {
        assertThat(RequestRules.loopbackHost(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "evil.example", "127.0.0.1.evil.com", "127.0.0.1.evil.com:7777", "localhost.evil.com",
            "127.999.999.999", "127.0.0.1:abc", "127.0.0.1:123456", "user@127.0.0.1", "[::2]", "[::1]x", "10.0.0.1",
            "0.0.0.0", " localhost", "localhost:" })
    void loopbackHost_otherNames_areRefused(String host) {
        assertThat(RequestRules.loopbackHost(host)).isFalse();
    }
}
