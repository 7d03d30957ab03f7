package tokenbroker.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tokenbroker.config.BrokerConfig;
import tokenbroker.config.BrokerConfigException;
import tokenbroker.config.BrokerSetupFactory;
import tokenbroker.credential.DpopKeyReader;
import tokenbroker.credential.KeyMaterialReader.KeyMaterialException;

/**
 * {@link DpopKeyReader}, the reader of {@code dpop-key-file}: EC P-256 (with its public key) and RSA PEM files give the
 * key pair; anything else is refused with a sentence naming the file, and at start-up the key as well.
 */
class DpopKeyReaderTests {

    @TempDir
    Path dir;

    @Test
    void ecPem_withItsPublicKey_isThePair() throws Exception {
        KeyPair ec = pair("EC", "secp256r1");
        Path file = write("ec.pem", pem("PRIVATE KEY", ec.getPrivate().getEncoded()) + pem("PUBLIC KEY", ec.getPublic().getEncoded()));
        KeyPair read = DpopKeyReader.read(file);
        assertThat(read.getPrivate().getEncoded()).isEqualTo(ec.getPrivate().getEncoded());
        assertThat(new DpopKey(read).thumbprint()).isEqualTo(new DpopKey(ec).thumbprint());
    }

    @Test
    void rsaPem_privateKeyOnly_derivesThePublicKey() throws Exception {
        KeyPair rsa = pair("RSA", null);
        KeyPair read = DpopKeyReader.read(write("rsa.pem", pem("PRIVATE KEY", rsa.getPrivate().getEncoded())));
        assertThat(read.getPublic().getEncoded()).isEqualTo(rsa.getPublic().getEncoded());
        assertThat(new DpopKey(read).thumbprint()).isEqualTo(new DpopKey(rsa).thumbprint());
    }

    @Test
    void garbageWrongTypeOrMissing_refusedNamingTheFile() throws Exception {
        KeyPair ec = pair("EC", "secp256r1");
        Path garbage = write("garbage.pem", "not a key at all");
        assertThat(message(garbage)).isEqualTo("no '-----BEGIN PRIVATE KEY-----' block in " + garbage);
        Path pkcs1 = write("pkcs1.pem", pem("RSA PRIVATE KEY", pair("RSA", null).getPrivate().getEncoded()));
        assertThat(message(pkcs1)).isEqualTo("no '-----BEGIN PRIVATE KEY-----' block in " + pkcs1);
        Path broken = write("broken.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThat(message(broken)).contains(broken.toString());
        Path noPublic = write("ec-only.pem", pem("PRIVATE KEY", ec.getPrivate().getEncoded()));
        assertThat(message(noPublic)).startsWith(noPublic + " holds an EC private key without its '-----BEGIN PUBLIC KEY-----'")
                .contains("openssl pkey -in ec-only.pem -pubout");
        Path otherPublic = write("mismatch.pem", pem("PRIVATE KEY", ec.getPrivate().getEncoded())
                + pem("PUBLIC KEY", pair("EC", "secp256r1").getPublic().getEncoded()));
        assertThat(message(otherPublic)).isEqualTo("the public key in " + otherPublic + " does not belong to its private key");
        KeyPair p521 = pair("EC", "secp521r1");
        Path curve = write("p521.pem", pem("PRIVATE KEY", p521.getPrivate().getEncoded()) + pem("PUBLIC KEY", p521.getPublic().getEncoded()));
        assertThat(message(curve)).isEqualTo("the EC key in " + curve + " is not on P-256 or P-384");
        Path missing = dir.resolve("missing.pem");
        assertThat(message(missing)).isEqualTo("cannot read " + missing + " (NoSuchFileException)");
    }

    @Test
    void atStartUp_aBadFile_isAProblemNamingTheKey() throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("broker.identities.main.client-id", "c");
        props.put("broker.identities.main.token-url", "https://idp.example/token");
        props.put("broker.identities.main.secret-file", write("secret", "s").toString());
        props.put("broker.identities.main.dpop", "true");
        Path garbage = write("garbage.pem", "garbage");
        props.put("broker.identities.main.dpop-key-file", garbage.toString());
        props.put("broker.resources.api.scopes", "api://x/.default");
        BrokerConfig config = new SmallRyeConfigBuilder().addDiscoveredConverters().withMapping(BrokerConfig.class)
                .withSources(new PropertiesConfigSource(props, "test", 100)).build().getConfigMapping(BrokerConfig.class);
        Throwable thrown = catchThrowable(() -> BrokerSetupFactory.create(config, name -> Optional.empty()));
        assertThat(thrown).isInstanceOf(BrokerConfigException.class);
        assertThat(((BrokerConfigException) thrown).problems()).containsExactly(
                "broker.identities.main.dpop-key-file: no '-----BEGIN PRIVATE KEY-----' block in " + garbage);
    }

    private static String message(Path file) {
        Throwable thrown = catchThrowable(() -> DpopKeyReader.read(file));
        assertThat(thrown).as(file.toString()).isInstanceOf(KeyMaterialException.class);
        return thrown.getMessage();
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    private static KeyPair pair(String algorithm, String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (curve != null) {
            generator.initialize(new ECGenParameterSpec(curve));
        } else {
            generator.initialize(2048);
        }
        return generator.generateKeyPair();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
