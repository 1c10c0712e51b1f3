package io.cgroupotel.exporter.otlp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for the queue's sender from the same PEM files the SDK reads ({@code ca_file}, {@code
 * client_certificate_file}, {@code client_key_file}): the JDK's trust plus the given CA, and a
 * client certificate when both files are set. Verification is never turned off.
 */
final class Tls {
  final SSLContext context;
  final X509TrustManager trust;

  private Tls(SSLContext context, X509TrustManager trust) {
    this.context = context;
    this.trust = trust;
  }

  /** Null when no file is set (the JDK's defaults then apply). */
  static Tls of(String caFile, String certFile, String keyFile) throws GeneralSecurityException,
      IOException {
    if (caFile == null && (certFile == null || keyFile == null)) {
      return null;
    }
    X509TrustManager trust = trustManager(caFile);
    KeyManagerFactory keys = null;
    if (certFile != null && keyFile != null) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      Collection<? extends Certificate> chain = certificates(Path.of(certFile));
      ks.setKeyEntry("client", privateKey(Path.of(keyFile)), new char[0],
          chain.toArray(new Certificate[0]));
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(ks, new char[0]);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), new TrustManager[] {trust}, null);
    return new Tls(context, trust);
  }

  /**
   * Why the permissions of client key file {@code file} put the key at risk, or null: readable or
   * writable by everyone, or writable by its group (anyone who can read it can pose as this node
   * to the collector; anyone who can write it chooses the identity). Group-readable is left
   * alone: a key shared with a group such as ssl-cert is a common, deliberate setup. Follows
   * links, as the read does.
   */
  static String keyFileProblem(Path file) {
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (IOException | UnsupportedOperationException e) {
      return null; // cannot tell; a read failure is reported by the read
    }
    String octal = PosixFilePermissions.toString(mode);
    if (mode.contains(PosixFilePermission.OTHERS_READ)
        || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
      return "client_key_file " + file + " is " + (mode.contains(PosixFilePermission.OTHERS_WRITE)
          ? "writable" : "readable") + " by every user (" + octal + "): anyone on the node can "
          + (mode.contains(PosixFilePermission.OTHERS_WRITE) ? "replace" : "copy")
          + " the agent's TLS identity; run chmod o-rw " + file
          + " (e.g. chmod 600, owned by the agent's user)";
    }
    if (mode.contains(PosixFilePermission.GROUP_WRITE)) {
      return "client_key_file " + file + " is writable by its group (" + octal + "): anyone in "
          + "it can replace the agent's TLS identity; run chmod g-w " + file;
    }
    return null;
  }

  private static X509TrustManager trustManager(String caFile) throws GeneralSecurityException,
      IOException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    KeyStore ks = null;
    if (caFile != null) {
      ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : certificates(Path.of(caFile))) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
    }
    tmf.init(ks); // null: the JDK's own trust store
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  private static Collection<? extends Certificate> certificates(Path pem)
      throws GeneralSecurityException, IOException {
    Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)));
    if (certs.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + pem);
    }
    return certs;
  }

  /** A PKCS#8 PEM key ({@code BEGIN PRIVATE KEY}), RSA or EC. */
  private static PrivateKey privateKey(Path pem) throws GeneralSecurityException, IOException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new GeneralSecurityException(pem + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY); "
          + "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
    }
    byte[] der = Base64.getMimeDecoder().decode(
        text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // try the next
      }
    }
    throw new GeneralSecurityException("the key in " + pem + " is not RSA, EC or Ed25519");
  }
}
