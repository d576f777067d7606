export interface LatencyProxyStats {
  accepted: number;
  bytesUp: number;
  bytesDown: number;
  maxConcurrent: number;
  lifetimesMs: number[];
  firstAcceptAt: number | null;
  lastCloseAt: number | null;
}

export interface LatencyProxy {
  port: number;
  stats: LatencyProxyStats;
  resetStats(): void;
  close(): Promise<void>;
}

export declare function startLatencyProxy(opts: {
  targetPort: number;
  targetHost?: string;
  delayMs: number;
  listenPort?: number;
  handshakeRtt?: boolean;
}): Promise<LatencyProxy>;
