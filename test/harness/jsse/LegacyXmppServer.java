// A test fixture: an XMPP front (STARTTLS and direct TLS) on the JDK's own TLS stack (JSSE), which
// still implements SSLv3, RC4, DES, 3DES, 40-bit EXPORT, NULL and anonymous suites once the
// security properties stop disabling them (the launcher, test/harness/jsse.ts, passes
// -Djava.security.properties=FILE). No dependencies; one file.
//
// Usage: java LegacyXmppServer --domain D --cert CERT.pem --key KEY.pem
//            --protocols SSLv3,TLSv1,TLSv1.2 --suites SSL_RSA_WITH_RC4_128_MD5,... [--client-order] [--verbose]
// CERT.pem: the certificate chain (leaf first); KEY.pem: the leaf's PKCS#8 private key (RSA or EC).
// The server picks suites in --suites order, or in the client's order with --client-order.
// Listens on two free ports of 127.0.0.1, prints "READY <starttlsPort> <directPort>", serves every
// connection in its own thread and exits when stdin closes (or on SIGTERM).
//
// Only a fixture: the XML "parsing" looks for a few byte strings, enough for our connector,
// sslscan and testssl.sh.

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

public final class LegacyXmppServer {
    private static final String NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls";
    /** Bytes we read before giving up on a peer's stream header or <starttls/>. */
    private static final int MAX_PREAMBLE = 64 * 1024;
    private static final int SOCKET_TIMEOUT_MS = 60_000;

    private static String domain;
    private static String[] protocols;
    private static String[] suites;
    private static boolean verbose;
    private static boolean clientOrder;
    private static SSLSocketFactory socketFactory;

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parseArgs(args);
        domain = require(opts, "domain");
        protocols = require(opts, "protocols").split(",");
        suites = require(opts, "suites").split(",");
        verbose = opts.containsKey("verbose");
        clientOrder = opts.containsKey("client-order");

        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers(Path.of(require(opts, "cert")), Path.of(require(opts, "key"))), null, null);
        socketFactory = context.getSocketFactory();

        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        ServerSocket starttls = new ServerSocket(0, 200, loopback);
        SSLServerSocket direct = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 200, loopback);
        // Fails here (IllegalArgumentException) when this JDK lacks a protocol or suite we were asked for.
        direct.setEnabledProtocols(protocols);
        direct.setEnabledCipherSuites(suites);
        direct.setUseClientMode(false);
        SSLParameters params = direct.getSSLParameters();
        params.setUseCipherSuitesOrder(!clientOrder);
        direct.setSSLParameters(params);

        daemon("stdin-watch", () -> {
            try {
                while (System.in.read() >= 0) {
                    // ignore input; EOF means the launcher is gone
                }
            } catch (IOException ignored) {
                // same as EOF
            }
            System.exit(0);
        });
        daemon("accept-starttls", () -> acceptLoop(starttls, false));
        daemon("accept-direct", () -> acceptLoop(direct, true));

        System.out.println("READY " + starttls.getLocalPort() + " " + direct.getLocalPort());
        System.out.flush();
        Thread.currentThread().join(); // daemons serve; System.exit ends us
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + a);
            String name = a.substring(2);
            if (name.equals("verbose") || name.equals("client-order")) opts.put(name, "true");
            else if (i + 1 < args.length) opts.put(name, args[++i]);
            else throw new IllegalArgumentException("missing value for " + a);
        }
        return opts;
    }

    private static String require(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing --" + name);
        return v;
    }

    private static javax.net.ssl.KeyManager[] keyManagers(Path certFile, Path keyFile) throws Exception {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(certFile)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        Matcher m = Pattern.compile("-----BEGIN PRIVATE KEY-----([^-]+)-----END PRIVATE KEY-----").matcher(pem);
        if (!m.find()) throw new IllegalArgumentException(keyFile + ": no PKCS#8 'BEGIN PRIVATE KEY' block");
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        PrivateKey key = null;
        for (String alg : new String[] {"RSA", "EC", "DSA", "Ed25519"}) {
            try {
                key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (Exception tryNext) {
                // not this algorithm
            }
        }
        if (key == null) throw new IllegalArgumentException(keyFile + ": unsupported private key");
        char[] password = "changeit".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key, password, certs.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(store, password);
        return kmf.getKeyManagers();
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void acceptLoop(ServerSocket server, boolean directTls) {
        while (true) {
            Socket s;
            try {
                s = server.accept();
            } catch (Throwable e) {
                log("accept: " + e);
                continue;
            }
            daemon("conn-" + s.getPort(), () -> serve(s, directTls));
        }
    }

    private static void serve(Socket s, boolean directTls) {
        try (Socket plain = s) {
            plain.setSoTimeout(SOCKET_TIMEOUT_MS);
            plain.setTcpNoDelay(true);
            SSLSocket tls = directTls ? (SSLSocket) plain : starttls(plain);
            if (tls == null) return;
            try (SSLSocket t = tls) {
                t.startHandshake();
                log("handshake " + t.getSession().getProtocol() + " " + t.getSession().getCipherSuite());
                afterTls(t);
            }
        } catch (Throwable e) {
            // Probes hang up after the ServerHello: expected, and never fatal for the server.
            log("connection from port " + s.getPort() + ": " + e);
        }
    }

    /** The plain-text STARTTLS dialogue; returns the TLS socket (handshake not started) or null. */
    private static SSLSocket starttls(Socket plain) throws IOException {
        InputStream in = plain.getInputStream();
        OutputStream out = plain.getOutputStream();
        String header = readStreamHeader(in);
        if (header == null) return null;
        out.write((streamHeader(header)
                + "<stream:features><starttls xmlns='" + NS_TLS + "'><required/></starttls></stream:features>")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (!readStarttls(in)) return null;
        out.write(("<proceed xmlns='" + NS_TLS + "'/>").getBytes(StandardCharsets.UTF_8));
        out.flush();
        // Clients may send whitespace (keepalives, a newline after <starttls/>) before the
        // ClientHello: skip it, and hand the first real byte to JSSE as already consumed.
        int b;
        do {
            b = in.read();
            if (b < 0) return null;
        } while (b == ' ' || b == '\t' || b == '\r' || b == '\n');
        SSLSocket tls = (SSLSocket) socketFactory.createSocket(plain, new ByteArrayInputStream(new byte[] {(byte) b}), true);
        tls.setUseClientMode(false);
        tls.setEnabledProtocols(protocols);
        tls.setEnabledCipherSuites(suites);
        SSLParameters params = tls.getSSLParameters();
        params.setUseCipherSuitesOrder(!clientOrder);
        tls.setSSLParameters(params);
        return tls;
    }

    /** After TLS: answer the restarted stream with (empty) features, then wait for the client to leave. */
    private static void afterTls(SSLSocket tls) throws IOException {
        InputStream in = tls.getInputStream();
        OutputStream out = tls.getOutputStream();
        String header = readStreamHeader(in);
        if (header == null) return;
        out.write((streamHeader(header) + "<stream:features/>").getBytes(StandardCharsets.UTF_8));
        out.flush();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            seen.write(b);
            if (seen.size() > MAX_PREAMBLE) seen.reset();
            if (b == '>' && seen.toString(StandardCharsets.UTF_8).endsWith("</stream:stream>")) break;
        }
        out.write("</stream:stream>".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String streamHeader(String clientHeader) {
        String ns = clientHeader.contains("jabber:server") ? "jabber:server" : "jabber:client";
        return "<?xml version='1.0'?><stream:stream xmlns='" + ns + "' xmlns:stream='http://etherx.jabber.org/streams'"
                + " from='" + domain + "' id='" + UUID.randomUUID() + "' version='1.0'>";
    }

    /** Reads up to the end of the client's `<stream:stream …>` start tag; null on EOF or garbage. */
    private static String readStreamHeader(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            buf.write(b);
            if (buf.size() > MAX_PREAMBLE) return null;
            if (b != '>') continue;
            String text = buf.toString(StandardCharsets.UTF_8);
            int start = text.indexOf("<stream:stream");
            if (start >= 0 && text.indexOf('>', start) == text.length() - 1) return text;
        }
        return null;
    }

    /** Reads up to the end of `<starttls …/>` (or `<starttls …></starttls>`); false on EOF or anything else. */
    private static boolean readStarttls(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            buf.write(b);
            if (buf.size() > MAX_PREAMBLE) return false;
            if (b != '>') continue;
            String text = buf.toString(StandardCharsets.UTF_8);
            int start = text.indexOf("<starttls");
            if (start < 0) {
                if (text.contains("</stream:stream>") || text.contains("<auth") || text.contains("<iq")) return false;
                continue;
            }
            String tail = text.substring(start);
            if (tail.endsWith("/>") && tail.indexOf('>') == tail.length() - 1) return true;
            if (tail.endsWith("</starttls>")) return true;
        }
        return false;
    }

    private static void log(String message) {
        if (verbose) System.err.println("[jsse] " + message);
    }

    private LegacyXmppServer() {}
}
