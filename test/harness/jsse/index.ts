import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLeaf, writePemFiles } from '../pki.js';

// Starts LegacyXmppServer.java: an XMPP STARTTLS front plus a direct-TLS port on the JDK's TLS
// stack (JSSE), the one stack left on these machines that still speaks SSLv3, RC4, single DES,
// 40-bit EXPORT, NULL and anonymous suites (Debian's OpenSSL 3 and GnuTLS have dropped them).
// The Java source is compiled once into a cache folder under the temp dir (keyed by its hash),
// so only the first run of a machine pays for javac; each server is one JVM.

const execFileP = promisify(execFile);

export const JDK_PACKAGE = 'default-jdk-headless';
const SOURCE_URL = new URL('./LegacyXmppServer.java', import.meta.url);
const MAIN_CLASS = 'LegacyXmppServer';

export interface JsseServerOptions {
  /** Stream `from=` and the certificate's CN/SAN when we make the certificate. */
  domain: string;
  /** JSSE protocol names: `SSLv3`, `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`. */
  protocols: string[];
  /** JSSE suite names, e.g. `SSL_RSA_WITH_RC4_128_MD5`, `TLS_RSA_WITH_AES_128_CBC_SHA`. */
  cipherSuites: string[];
  /** PEM chain (leaf first) and PKCS#8 PEM key. Default: a fresh self-signed RSA-2048 certificate for `domain`. */
  certFile?: string;
  keyFile?: string;
  /** `jdk.tls.ephemeralDHKeySize` (`legacy`, `matched`, or bits) for non-export DHE suites. Default: the JDK's (2048). */
  ephemeralDhKeySize?: string | number;
  /** Pick suites in the client's order instead of `cipherSuites` order. */
  clientOrder?: boolean;
  /** Log every connection's fate to stderr (see `log()`). */
  verbose?: boolean;
}

export interface JsseServer {
  starttlsPort: number;
  directPort: number;
  /** The certificate chain the server presents (PEM). */
  certFile: string;
  /** What the JVM wrote to stdout/stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Security properties that re-enable everything JSSE still implements. */
const SECURITY_PROPERTIES = ['jdk.tls.disabledAlgorithms=', 'jdk.certpath.disabledAlgorithms=', 'jdk.tls.legacyAlgorithms=', ''].join('\n');

async function findOnPath(name: string): Promise<string | null> {
  const dirs = [...(process.env.JAVA_HOME ? [join(process.env.JAVA_HOME, 'bin')] : []), ...(process.env.PATH ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

/** `java` and `javac`, or an error that says which Debian package provides them. */
export async function findJdk(): Promise<{ java: string; javac: string }> {
  const [java, javac] = await Promise.all([findOnPath('java'), findOnPath('javac')]);
  if (!java || !javac) {
    throw new Error(
      `${!java ? 'java' : 'javac'} not found on PATH (nor in $JAVA_HOME/bin): the JSSE legacy TLS tests need a JDK ≥ 11. ` +
        `On Debian install the package ${JDK_PACKAGE} (apt-get install -y ${JDK_PACKAGE}).`,
    );
  }
  return { java, javac };
}

let compiled: Promise<string> | null = null;

/** Compiles LegacyXmppServer.java once per machine (per source hash); returns the class folder. */
function compileServer(javac: string): Promise<string> {
  compiled ??= (async () => {
    const source = await readFile(SOURCE_URL);
    const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
    const dir = join(tmpdir(), `xte-jsse-classes-${hash}`);
    try {
      await access(join(dir, `${MAIN_CLASS}.class`));
      return dir;
    } catch {
      // not compiled yet
    }
    const work = await mkdtemp(join(tmpdir(), 'xte-jsse-build-'));
    try {
      // --release 11: the classes run on any JDK from 11 on, whichever JDK compiled them.
      await execFileP(javac, ['--release', '11', '-d', work, fileURLToPath(SOURCE_URL)]);
    } catch (err) {
      await rm(work, { recursive: true, force: true });
      const e = err as { stderr?: string; message: string };
      throw new Error(`javac failed on ${fileURLToPath(SOURCE_URL)}: ${e.stderr || e.message}`);
    }
    // Another test process may have won the race: then its folder is as good as ours.
    await rename(work, dir).catch(() => rm(work, { recursive: true, force: true }));
    return dir;
  })();
  compiled.catch(() => (compiled = null));
  return compiled;
}

export async function startJsseServer(opts: JsseServerOptions): Promise<JsseServer> {
  const { java, javac } = await findJdk();
  const classes = await compileServer(javac);
  const dir = await mkdtemp(join(tmpdir(), 'xte-jsse-'));
  const { certFile, keyFile } =
    opts.certFile && opts.keyFile
      ? { certFile: opts.certFile, keyFile: opts.keyFile }
      : await writePemFiles(dir, 'server', await createLeaf(null, { dns: [opts.domain], selfSigned: true }));
  const securityFile = join(dir, 'java.security');
  await writeFile(securityFile, SECURITY_PROPERTIES);

  const args = [
    // A short-lived fixture: quick start matters more than peak speed.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Xshare:auto',
    `-Djava.security.properties=${securityFile}`,
    ...(opts.ephemeralDhKeySize !== undefined ? [`-Djdk.tls.ephemeralDHKeySize=${opts.ephemeralDhKeySize}`] : []),
    '-cp',
    classes,
    MAIN_CLASS,
    '--domain',
    opts.domain,
    '--cert',
    certFile,
    '--key',
    keyFile,
    '--protocols',
    opts.protocols.join(','),
    '--suites',
    opts.cipherSuites.join(','),
    ...(opts.clientOrder ? ['--client-order'] : []),
    ...(opts.verbose ? ['--verbose'] : []),
  ];
  // stdin stays a pipe: the server exits when it closes, so a crashed test run leaves no JVM behind.
  const child: ChildProcess = spawn(java, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // Nor does a forgotten stop() keep the test process alive: when it exits, stdin closes and the JVM follows.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exitPromise.then(() => (exited = true));

  const stop = async () => {
    if (!exited) {
      child.stdin?.end();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const [starttlsPort, directPort] = await new Promise<[number, number]>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error('no READY line within 30 s')), 30_000);
      const onData = (d: Buffer) => {
        stdout += d.toString();
        output += d.toString();
        const m = /^READY (\d+) (\d+)$/m.exec(stdout);
        if (m) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stdout?.on('data', (more: Buffer) => (output += more.toString()));
          resolve([Number(m[1]), Number(m[2])]);
        }
      };
      child.stdout?.on('data', onData);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the JVM exited (${signal ?? `code ${code}`}) before listening`));
      });
    });
    return { starttlsPort, directPort, certFile, log: () => output, stop };
  } catch (err) {
    await stop();
    throw new Error(`LegacyXmppServer did not start: ${(err as Error).message}\n${output}`);
  }
}
