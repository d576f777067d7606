import type net from 'node:net';

export declare const HOSTILE_HEADER: string;

export type HostileBehaviourName =
  | 'silent'
  | 'drip'
  | 'keepalive'
  | 'nested'
  | 'nestedBurst'
  | 'bomb'
  | 'wideElement'
  | 'stallAfterProceed'
  | 'tlsHuge'
  | 'tlsRecordDrip'
  | 'handshakeFailure'
  | 'handshakeClose';

export declare const HOSTILE_BEHAVIOURS: Record<HostileBehaviourName, (socket: net.Socket) => void>;

export interface HostileServer {
  port: number;
  stats: { connections: number };
  stop(): Promise<void>;
}

export declare function startHostileServer(behaviour: HostileBehaviourName | ((socket: net.Socket) => void), port?: number): Promise<HostileServer>;
