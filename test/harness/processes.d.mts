import type { ChildProcess } from 'node:child_process';

export declare function freeTcpPort(): Promise<number>;
export declare function waitForPort(port: number, host?: string, timeoutMs?: number, isAlive?: () => boolean): Promise<void>;
export declare function stopChild(child: ChildProcess, graceMs?: number): Promise<void>;
