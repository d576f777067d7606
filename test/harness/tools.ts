import { existsSync } from 'node:fs';

/**
 * Fails (the calling test or hook) when a tool the test needs is missing, naming the Debian
 * package: no test skips quietly. scripts/test.sh installs every one of them.
 */
export function needTool(path: string, debianPackage: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package ${debianPackage} (bash scripts/test.sh installs it)`);
}
