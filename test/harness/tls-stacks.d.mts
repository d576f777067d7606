export interface TlsStackServer {
  name: string;
  port: number;
  /** DER of the server's certificate. */
  certificate: Buffer;
  stop(): Promise<void>;
}

export interface StarttlsFront {
  port: number;
  stop(): Promise<void>;
}

export declare function startGnutls(priority: string): Promise<TlsStackServer>;
export declare function startMbedtls(cipherString: string): Promise<TlsStackServer>;
export declare function startGo(): Promise<TlsStackServer>;
export interface ErlangOptions {
  /** OTP version names, e.g. `tlsv1.3`, `tlsv1.2` (both `versions` and `ciphers`, or neither). */
  versions?: string[];
  /** RFC or OpenSSL suite names (ssl:str_to_suite/1). */
  ciphers?: string[];
}

export declare function startErlang(opts?: ErlangOptions): Promise<TlsStackServer>;
export declare function startOpensslEcdsa(curve?: string): Promise<TlsStackServer>;
export declare function startStarttlsFront(upstreamPort: number): Promise<StarttlsFront>;
