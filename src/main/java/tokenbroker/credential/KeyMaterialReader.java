package tokenbroker.credential;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a certificate and its private key from PEM files or a PKCS#12 key store, and checks that they belong
 * together. Written by hand because smallrye-jwt's {@code KeyUtils} reads one key at a time and says nothing
 * useful about a malformed file, and operators deserve to know which file is wrong and how.
 */
public final class KeyMaterialReader {

    static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private KeyMaterialReader() {
    }

    /** A readable reason why the files are unusable; the message names the file at fault. */
    public static final class KeyMaterialException extends Exception {
        private final Path file;

        KeyMaterialException(Path file, String message) {
            super(message, null, false, false);
            this.file = file;
        }

        /** The file the problem is in. */
        public Path file() {
            return file;
        }
    }

    /** The PEM certificates of a CA file (trust anchors), at least one. */
    public static List<X509Certificate> readCaFile(Path file) throws KeyMaterialException {
        return readCertificates(file, new String(readBytes(file), StandardCharsets.US_ASCII));
    }

    /** Reads the credential's files and checks that key and certificate match. */
    public static KeyMaterial read(Credential.CertificateKey credential) throws KeyMaterialException {
        Path certificateFile = credential.certificateFile();
        byte[] certificateBytes = readBytes(certificateFile);
        if (!looksLikePem(certificateBytes)) {
            return readPkcs12(certificateFile, certificateBytes, credential.passwordFile());
        }
        String certificatePem = new String(certificateBytes, StandardCharsets.US_ASCII);
        List<X509Certificate> chain = readCertificates(certificateFile, certificatePem);
        Path keyFile = credential.keyFile() != null ? credential.keyFile() : certificateFile;
        String keyPem = credential.keyFile() != null
                ? new String(readBytes(keyFile), StandardCharsets.US_ASCII)
                : certificatePem;
        PrivateKey key = readPrivateKey(keyFile, keyPem);
        checkPair(keyFile, chain.get(0), key);
        return new KeyMaterial(chain, key);
    }

    static byte[] readBytes(Path file) throws KeyMaterialException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KeyMaterialException(file, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static boolean looksLikePem(byte[] bytes) {
        return new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.US_ASCII).contains("-----BEGIN ");
    }

    static List<X509Certificate> readCertificates(Path file, String pem) throws KeyMaterialException {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher m = PEM_BLOCK.matcher(pem);
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    byte[] der = decodeBase64(file, m.group(2));
                    chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new KeyMaterialException(file, "malformed PEM certificate in " + file + ": " + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new KeyMaterialException(file, "no '-----BEGIN CERTIFICATE-----' block in " + file);
        }
        return chain;
    }

    private static PrivateKey readPrivateKey(Path file, String pem) throws KeyMaterialException {
        Matcher m = PEM_BLOCK.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("PRIVATE KEY")) {
                return decodePkcs8(file, decodeBase64(file, m.group(2)));
            }
            if (type.equals("RSA PRIVATE KEY") || type.equals("EC PRIVATE KEY") || type.equals("ENCRYPTED PRIVATE KEY")) {
                throw new KeyMaterialException(file, file + " holds a '" + type + "': convert it to unencrypted PKCS#8"
                        + " with 'openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem'");
            }
        }
        throw new KeyMaterialException(file, "no '-----BEGIN PRIVATE KEY-----' block in " + file);
    }

    static byte[] decodeBase64(Path file, String body) throws KeyMaterialException {
        try {
            return Base64.getMimeDecoder().decode(body.strip());
        } catch (IllegalArgumentException e) {
            throw new KeyMaterialException(file, "malformed PEM in " + file + ": bad base64");
        }
    }

    static PrivateKey decodePkcs8(Path file, byte[] der) throws KeyMaterialException {
        for (String algorithm : new String[] { "RSA", "EC" }) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new KeyMaterialException(file, "malformed PEM private key in " + file + ": not an RSA or EC PKCS#8 key");
    }

    private static KeyMaterial readPkcs12(Path file, byte[] bytes, Path passwordFile) throws KeyMaterialException {
        char[] password = new char[0];
        if (passwordFile != null) {
            password = new String(readBytes(passwordFile), StandardCharsets.UTF_8).strip().toCharArray();
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), password);
            for (String alias : Collections.list(store.aliases())) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                Key key = store.getKey(alias, password);
                Certificate[] certificates = store.getCertificateChain(alias);
                if (key instanceof PrivateKey privateKey && certificates != null && certificates.length > 0) {
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate c : certificates) {
                        chain.add((X509Certificate) c);
                    }
                    checkPair(file, chain.get(0), privateKey);
                    return new KeyMaterial(chain, privateKey);
                }
            }
            throw new KeyMaterialException(file, "PKCS#12 key store " + file + " holds no private key with a certificate");
        } catch (IOException e) {
            String why = passwordFile == null ? " (no key-store-password-file is set)" : " (wrong password?)";
            throw new KeyMaterialException(file, "cannot open " + file + " as PEM or PKCS#12" + why);
        } catch (GeneralSecurityException e) {
            throw new KeyMaterialException(file, "cannot read PKCS#12 key store " + file + ": " + e.getMessage());
        }
    }

    /** Signs and verifies a nonce: the only check that works alike for RSA and EC keys. */
    private static void checkPair(Path keyFile, X509Certificate certificate, PrivateKey key) throws KeyMaterialException {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] nonce = "token-broker key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(nonce);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(nonce);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // fall through: a key of another type than the certificate's cannot match it
        }
        throw new KeyMaterialException(keyFile, "the private key in " + keyFile + " does not belong to the certificate "
                + certificate.getSubjectX500Principal().getName());
    }
}
