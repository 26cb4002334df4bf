import java.io.File;
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.util.List;

// Validates a certificate path (a PEM file: the server's certificate, then its issuers below the root) against a
// truststore as a JVM would: PKIX with the JDK's rules, name constraints included.
// Usage: java Check.java <truststore> <password> <chain.pem>
// Prints VALID (exit 0) or INVALID: <reason> (exit 3).
public class Check {
    public static void main(String[] args) throws Exception {
        KeyStore trustStore = KeyStore.getInstance(new File(args[0]), args[1].toCharArray());
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<? extends Certificate> path;
        try (FileInputStream in = new FileInputStream(args[2])) {
            path = List.copyOf(factory.generateCertificates(in));
        }
        PKIXParameters parameters = new PKIXParameters(trustStore);
        parameters.setRevocationEnabled(false);
        try {
            CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(path), parameters);
            System.out.println("VALID");
        } catch (CertPathValidatorException e) {
            System.out.println("INVALID: " + e.getMessage());
            System.exit(3);
        }
    }
}
