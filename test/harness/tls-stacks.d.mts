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
export declare function startErlang(): Promise<TlsStackServer>;
export declare function startOpensslEcdsa(curve?: string): Promise<TlsStackServer>;
export declare function startStarttlsFront(upstreamPort: number): Promise<StarttlsFront>;
