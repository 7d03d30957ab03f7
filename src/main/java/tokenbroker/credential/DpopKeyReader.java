package tokenbroker.credential;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.regex.Matcher;

/**
 * Reads a DPoP key pair from one PEM file: a PKCS#8 {@code PRIVATE KEY}, and for an EC key also its {@code PUBLIC KEY}
 * (the JDK cannot derive an EC public key from the private one; {@code openssl pkey -in key.pem -pubout} writes it).
 * An RSA public key is derived from the private key's CRT parameters.
 */
public final class DpopKeyReader {

    private DpopKeyReader() {
    }

    public static KeyPair read(Path file) throws KeyMaterialReader.KeyMaterialException {
        String pem = new String(KeyMaterialReader.readBytes(file), StandardCharsets.US_ASCII);
        PrivateKey privateKey = null;
        PublicKey publicKey = null;
        Matcher m = KeyMaterialReader.PEM_BLOCK.matcher(pem);
        while (m.find()) {
            if (m.group(1).equals("PRIVATE KEY")) {
                privateKey = KeyMaterialReader.decodePkcs8(file, KeyMaterialReader.decodeBase64(file, m.group(2)));
            } else if (m.group(1).equals("PUBLIC KEY")) {
                publicKey = decodePublic(file, KeyMaterialReader.decodeBase64(file, m.group(2)));
            }
        }
        if (privateKey == null) {
            throw new KeyMaterialReader.KeyMaterialException(file, "no '-----BEGIN PRIVATE KEY-----' block in " + file);
        }
        try {
            if (privateKey instanceof RSAPrivateCrtKey rsa) {
                if (rsa.getModulus().bitLength() < 2048) {
                    throw new KeyMaterialReader.KeyMaterialException(file, "the RSA key in " + file + " is shorter than 2048 bits");
                }
                publicKey = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            }
        } catch (GeneralSecurityException e) {
            throw new KeyMaterialReader.KeyMaterialException(file, "cannot derive the public key of " + file);
        }
        if (privateKey instanceof ECPrivateKey ec) {
            if (!(publicKey instanceof ECPublicKey ecPublic)) {
                throw new KeyMaterialReader.KeyMaterialException(file, file + " holds an EC private key without its '-----BEGIN PUBLIC KEY-----'"
                        + " block: append the output of 'openssl pkey -in " + file.getFileName() + " -pubout'");
            }
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits != 256 && bits != 384) {
                throw new KeyMaterialReader.KeyMaterialException(file, "the EC key in " + file + " is not on P-256 or P-384");
            }
            if (!matches(ec, ecPublic)) {
                throw new KeyMaterialReader.KeyMaterialException(file, "the public key in " + file + " does not belong to its private key");
            }
        }
        return new KeyPair(publicKey, privateKey);
    }

    private static PublicKey decodePublic(Path file, byte[] der) throws KeyMaterialReader.KeyMaterialException {
        for (String algorithm : new String[] { "EC", "RSA" }) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new KeyMaterialReader.KeyMaterialException(file, "malformed PEM public key in " + file);
    }

    /** Signs and verifies a nonce: the pair belongs together. */
    private static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        try {
            byte[] nonce = new BigInteger(64, new java.security.SecureRandom()).toByteArray();
            java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSA");
            signer.initSign(privateKey);
            signer.update(nonce);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(publicKey);
            verifier.update(nonce);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
