package tokenbroker.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tokenbroker.credential.KeyMaterialReader.KeyMaterialException;
import tokenbroker.testing.TestKeys;

class KeyMaterialReaderTests {

    private static final char[] PASSWORD = "p12-Passw0rd".toCharArray();

    @TempDir
    Path dir;

    @Test
    void read_pemCertificateAndPkcs8RsaKey_returnsBoth() throws Exception {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(rsa.certificate()));
        Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(rsa.key()));

        KeyMaterial keys = KeyMaterialReader.read(pem(cert, key));

        assertThat(keys.chain()).containsExactly(rsa.certificate());
        assertThat(keys.leaf()).isEqualTo(rsa.certificate());
        assertThat(keys.key().getAlgorithm()).isEqualTo("RSA");
        assertThat(keys.key().getEncoded()).isEqualTo(rsa.key().getEncoded());
    }

    @Test
    void read_pemCertificateAndPkcs8EcKey_returnsBoth() throws Exception {
        TestKeys.Pair ec = TestKeys.ec();
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(ec.certificate()));
        Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(ec.key()));

        KeyMaterial keys = KeyMaterialReader.read(pem(cert, key));

        assertThat(keys.leaf()).isEqualTo(ec.certificate());
        assertThat(keys.key().getAlgorithm()).isEqualTo("EC");
        assertThat(keys.key().getEncoded()).isEqualTo(ec.key().getEncoded());
    }

    @Test
    void read_combinedPemWithoutKeyFile_findsKeyInCertificateFile() throws Exception {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path combined = TestKeys.write(dir.resolve("combined.pem"),
                TestKeys.certificatePem(rsa.certificate()) + TestKeys.pkcs8Pem(rsa.key()));

        KeyMaterial keys = KeyMaterialReader.read(pem(combined, null));

        assertThat(keys.chain()).containsExactly(rsa.certificate());
        assertThat(keys.key().getEncoded()).isEqualTo(rsa.key().getEncoded());
    }

    @Test
    void read_combinedPemKeyFirstWithCrlf_findsBoth() throws Exception {
        TestKeys.Pair ec = TestKeys.ec();
        String text = (TestKeys.pkcs8Pem(ec.key()) + TestKeys.certificatePem(ec.certificate())).replace("\n", "\r\n");
        Path combined = TestKeys.write(dir.resolve("combined.pem"), "Bag Attributes: ignored text\r\n" + text);

        KeyMaterial keys = KeyMaterialReader.read(pem(combined, null));

        assertThat(keys.leaf()).isEqualTo(ec.certificate());
    }

    @Test
    void read_chainOfTwoCertificates_keepsLeafFirst() throws Exception {
        TestKeys.Chain chain = TestKeys.chain();
        Path cert = TestKeys.write(dir.resolve("chain.pem"), TestKeys.certificatePem(chain.leaf(), chain.ca()));
        Path key = TestKeys.write(dir.resolve("leaf.key"), TestKeys.pkcs8Pem(chain.leafKey()));

        KeyMaterial keys = KeyMaterialReader.read(pem(cert, key));

        assertThat(keys.chain()).containsExactly(chain.leaf(), chain.ca());
        assertThat(keys.leaf().getIssuerX500Principal()).isEqualTo(chain.ca().getSubjectX500Principal());
    }

    @Test
    void read_chainWithCaFirst_failsOnTheKeyFile() {
        TestKeys.Chain chain = TestKeys.chain();
        Path cert = TestKeys.write(dir.resolve("chain.pem"), TestKeys.certificatePem(chain.ca(), chain.leaf()));
        Path key = TestKeys.write(dir.resolve("leaf.key"), TestKeys.pkcs8Pem(chain.leafKey()));

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(key);
        assertThat(e.getMessage()).isEqualTo("the private key in " + key + " does not belong to the certificate CN=token-broker-test-ca");
    }

    @Test
    void read_pkcs12WithPasswordFile_returnsChainAndKey() throws Exception {
        TestKeys.Chain chain = TestKeys.chain();
        Path store = TestKeys.write(dir.resolve("client.p12"), TestKeys.pkcs12(chain.leafKey(), PASSWORD, chain.leaf(), chain.ca()));
        Path password = TestKeys.write(dir.resolve("password"), new String(PASSWORD) + "\n");

        KeyMaterial keys = KeyMaterialReader.read(pkcs12(store, password));

        assertThat(keys.chain()).containsExactly(chain.leaf(), chain.ca());
        assertThat(keys.key().getEncoded()).isEqualTo(chain.leafKey().getEncoded());
    }

    @Test
    void read_pkcs12WithEcKey_returnsIt() throws Exception {
        TestKeys.Pair ec = TestKeys.ec();
        Path store = TestKeys.write(dir.resolve("client.p12"), TestKeys.pkcs12(ec.key(), PASSWORD, ec.certificate()));
        Path password = TestKeys.write(dir.resolve("password"), new String(PASSWORD));

        KeyMaterial keys = KeyMaterialReader.read(pkcs12(store, password));

        assertThat(keys.leaf()).isEqualTo(ec.certificate());
        assertThat(keys.key().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void read_missingCertificateFile_namesIt() {
        Path cert = dir.resolve("absent.crt");

        KeyMaterialException e = failure(pem(cert, dir.resolve("absent.key")));

        assertThat(e.file()).isEqualTo(cert);
        assertThat(e.getMessage()).isEqualTo("cannot read " + cert + " (NoSuchFileException)");
    }

    @Test
    void read_missingKeyFile_namesIt() {
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(TestKeys.rsa().certificate()));
        Path key = dir.resolve("absent.key");

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(key);
        assertThat(e.getMessage()).isEqualTo("cannot read " + key + " (NoSuchFileException)");
    }

    @Test
    void read_certificateFileWithOnlyAKey_saysNoCertificateBlock() {
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.pkcs8Pem(TestKeys.rsa().key()));

        KeyMaterialException e = failure(pem(cert, null));

        assertThat(e.file()).isEqualTo(cert);
        assertThat(e.getMessage()).isEqualTo("no '-----BEGIN CERTIFICATE-----' block in " + cert);
    }

    @Test
    void read_certificateBlockWithGarbage_saysMalformed() {
        String garbage = Base64.getMimeEncoder().encodeToString("this is not DER at all, just forty-odd bytes".getBytes());
        Path cert = TestKeys.write(dir.resolve("tls.crt"), "-----BEGIN CERTIFICATE-----\n" + garbage + "\n-----END CERTIFICATE-----\n");
        Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(TestKeys.rsa().key()));

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(cert);
        assertThat(e.getMessage()).startsWith("malformed PEM certificate in " + cert + ": ");
    }

    @Test
    void read_truncatedCertificate_saysMalformed() {
        String pem = TestKeys.certificatePem(TestKeys.rsa().certificate());
        String[] lines = pem.split("\n");
        StringBuilder cut = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i != 5) { // drop one base64 line from the middle
                cut.append(lines[i]).append('\n');
            }
        }
        Path cert = TestKeys.write(dir.resolve("tls.crt"), cut.toString());
        Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(TestKeys.rsa().key()));

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(cert);
        assertThat(e.getMessage()).startsWith("malformed PEM certificate in " + cert);
    }

    @Test
    void read_pkcs1RsaKey_tellsToConvertWithOpensslPkcs8() {
        TestKeys.Pair rsa = TestKeys.rsa();
        // The hand-made PKCS#1 is the very structure that PKCS#8 wraps in its final OCTET STRING.
        assertThat(rsa.key().getEncoded()).endsWith(TestKeys.pkcs1Der((RSAPrivateCrtKey) rsa.key()));
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(rsa.certificate()));
        Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs1Pem(rsa.key()));

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(key);
        assertThat(e.getMessage()).isEqualTo(key + " holds a 'RSA PRIVATE KEY': convert it to unencrypted PKCS#8 with"
                + " 'openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem'");
    }

    @Test
    void read_sec1EcKeyOrEncryptedKey_tellsToConvert() {
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(TestKeys.ec().certificate()));
        for (String type : new String[] { "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY" }) {
            Path key = TestKeys.write(dir.resolve("tls.key"), "-----BEGIN " + type + "-----\nAAAA\n-----END " + type + "-----\n");

            KeyMaterialException e = failure(pem(cert, key));

            assertThat(e.file()).isEqualTo(key);
            assertThat(e.getMessage()).contains(key + " holds a '" + type + "'").contains("openssl pkcs8 -topk8 -nocrypt");
        }
    }

    @Test
    void read_keyFileWithoutKeyBlock_saysSo() {
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(TestKeys.rsa().certificate()));
        Path key = TestKeys.write(dir.resolve("tls.key"), "not a key\n");

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(key);
        assertThat(e.getMessage()).isEqualTo("no '-----BEGIN PRIVATE KEY-----' block in " + key);
    }

    @Test
    void read_certificateWithoutKeyAndNoKeyFile_namesTheCertificateFile() {
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(TestKeys.rsa().certificate()));

        KeyMaterialException e = failure(pem(cert, null));

        assertThat(e.file()).isEqualTo(cert);
        assertThat(e.getMessage()).isEqualTo("no '-----BEGIN PRIVATE KEY-----' block in " + cert);
    }

    @Test
    void read_keyBlockNotAKey_saysMalformed() {
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(TestKeys.rsa().certificate()));
        Path key = TestKeys.write(dir.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\nAAECAwQF\n-----END PRIVATE KEY-----\n");

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(key);
        assertThat(e.getMessage()).isEqualTo("malformed PEM private key in " + key + ": not an RSA or EC PKCS#8 key");
    }

    @Test
    void read_keyOfAnotherCertificate_saysItDoesNotBelong() {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(rsa.certificate()));
        Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(TestKeys.otherRsaKeyPair().getPrivate()));

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(key);
        assertThat(e.getMessage()).isEqualTo("the private key in " + key + " does not belong to the certificate CN=token-broker-test-rsa");
    }

    @Test
    void read_ecKeyWithRsaCertificate_saysItDoesNotBelong() {
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(TestKeys.rsa().certificate()));
        Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(TestKeys.ec().key()));

        KeyMaterialException e = failure(pem(cert, key));

        assertThat(e.file()).isEqualTo(key);
        assertThat(e.getMessage()).contains("does not belong to the certificate CN=token-broker-test-rsa");
    }

    @Test
    void read_pkcs12WithWrongPassword_saysWrongPassword() {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path store = TestKeys.write(dir.resolve("client.p12"), TestKeys.pkcs12(rsa.key(), PASSWORD, rsa.certificate()));
        Path password = TestKeys.write(dir.resolve("password"), "not-the-password");

        KeyMaterialException e = failure(pkcs12(store, password));

        assertThat(e.file()).isEqualTo(store);
        assertThat(e.getMessage()).isEqualTo("cannot open " + store + " as PEM or PKCS#12 (wrong password?)");
    }

    @Test
    void read_pkcs12WithoutPasswordFile_saysNoPasswordFile() {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path store = TestKeys.write(dir.resolve("client.p12"), TestKeys.pkcs12(rsa.key(), PASSWORD, rsa.certificate()));

        KeyMaterialException e = failure(pkcs12(store, null));

        assertThat(e.file()).isEqualTo(store);
        assertThat(e.getMessage()).isEqualTo("cannot open " + store + " as PEM or PKCS#12 (no key-store-password-file is set)");
    }

    @Test
    void read_pkcs12WithMissingPasswordFile_namesThePasswordFile() {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path store = TestKeys.write(dir.resolve("client.p12"), TestKeys.pkcs12(rsa.key(), PASSWORD, rsa.certificate()));
        Path password = dir.resolve("absent-password");

        KeyMaterialException e = failure(pkcs12(store, password));

        assertThat(e.file()).isEqualTo(password);
        assertThat(e.getMessage()).isEqualTo("cannot read " + password + " (NoSuchFileException)");
    }

    @Test
    void read_binaryGarbage_saysNeitherPemNorPkcs12() {
        Path cert = TestKeys.write(dir.resolve("tls.crt"), new byte[] { 0x30, (byte) 0x82, 0x01, 0x00, 0x42, 0x42 });

        KeyMaterialException e = failure(pem(cert, null));

        assertThat(e.file()).isEqualTo(cert);
        assertThat(e.getMessage()).startsWith("cannot open " + cert + " as PEM or PKCS#12");
    }

    private static Credential.CertificateKey pem(Path certificateFile, Path keyFile) {
        return new Credential.CertificateKey(certificateFile, keyFile, null, null, "https://idp.example/token", false);
    }

    private static Credential.CertificateKey pkcs12(Path store, Path passwordFile) {
        return new Credential.CertificateKey(store, null, passwordFile, null, "https://idp.example/token", false);
    }

    private static KeyMaterialException failure(Credential.CertificateKey credential) {
        Throwable thrown = catchThrowable(() -> KeyMaterialReader.read(credential));
        assertThat(thrown).isInstanceOf(KeyMaterialException.class);
        return (KeyMaterialException) thrown;
    }
}
